package commands

import "strings"

// NotFoundError is an object the caller named that does not exist at the
// provider (an Okta group by that name, a factor ID the user does not
// have): a 404 whose errors name the argument, so the caller knows which
// one to fix. It is the caller's input that is wrong, not idcmd or Okta.
type NotFoundError struct {
	Detail string
	Errors []FieldError
}

func (e *NotFoundError) Error() string {
	parts := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		parts = append(parts, fe.Location+": "+fe.Message)
	}
	return e.Detail + ": " + strings.Join(parts, "; ")
}

func notFound(detail, location, msg string) *NotFoundError {
	return &NotFoundError{Detail: detail, Errors: []FieldError{{Location: location, Message: msg}}}
}
