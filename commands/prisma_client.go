package commands

import (
	"fmt"

	"github.com/idcmd/idcmd/providers/prisma"
)

// prismaClient returns the Prisma Cloud client or says it is not configured.
func (p Providers) prismaClient() (*prisma.Client, error) {
	if p.Prisma == nil {
		return nil, fmt.Errorf("%w: prisma (set PRISMA_API_URL, PRISMA_ACCESS_KEY and PRISMA_SECRET_KEY, or integrations.prisma_cloud in the config)", ErrProviderNotConfigured)
	}
	return p.Prisma, nil
}
