package workflows

import (
	"context"
	"errors"

	"github.com/idcmd/idcmd/commands"
)

type assessment struct {
	Level string
	Score int
}

func (s Settings) assess(ctx context.Context, p commands.Providers, who identity) (assessment, error) {
	return assessment{}, errors.New("pending")
}

