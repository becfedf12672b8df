package commands

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
