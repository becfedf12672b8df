package commands

import "github.com/idcmd/idcmd/providers/upstream"

// ArgumentError ties a provider's refusal to the argument that caused it:
// an unknown group named by body.group is PingOne's 404, and the caller
// should see both what the provider said and which field to fix. The
// problem keeps the provider's status and code and adds the field to its
// errors, as a validation problem does.
type ArgumentError struct {
	// Location is the argument, such as body.group.
	Location string
	// Message says what is wrong with it, in words a responder acts on.
	Message string
	// Err is the provider's error.
	Err error
}

func (e *ArgumentError) Error() string { return e.Location + ": " + e.Message + ": " + e.Err.Error() }

func (e *ArgumentError) Unwrap() error { return e.Err }

// argumentError wraps err, a provider error about the argument at
// location, or returns nil for a nil err.
func argumentError(location, message string, err error) error {
	if err == nil {
		return nil
	}
	return &ArgumentError{Location: location, Message: message, Err: err}
}

// unknownArgument is a 404 naming the argument: the caller named an object
// (a group, a factor, a device) the provider does not have. idcmd may find
// that out itself, from a list the provider answered, so the provider's
// NotFound is built here with what idcmd looked at.
func unknownArgument(provider Provider, location, message, looked string) error {
	return argumentError(location, message, &upstream.Error{Provider: string(provider), Kind: upstream.NotFound, Message: looked})
}
