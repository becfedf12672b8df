package pingone

import "context"

// ListApplications returns the environment's applications, worker apps
// included.
func (c *Client) ListApplications(ctx context.Context) ([]Application, error) {
	return listAll[Application](ctx, c, "listApplications", "applications", c.endpoint("/applications", nil))
}
