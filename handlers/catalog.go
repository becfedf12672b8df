package handlers

import (
	"net/http"

	"github.com/idcmd/idcmd/commands"
	"github.com/labstack/echo/v4"
)

// Catalog serves GET /api/v1/commands.
type Catalog struct {
	entries []commands.Description
}

// CatalogList is the body of GET /api/v1/commands.
type CatalogList struct {
	Commands []commands.Description `json:"commands"`
}

// NewCatalog describes every command once, at start.
func NewCatalog(cat *commands.Catalog) *Catalog {
	all := cat.All()
	entries := make([]commands.Description, 0, len(all))
	for _, cmd := range all {
		entries = append(entries, commands.Describe(cmd))
	}
	return &Catalog{entries: entries}
}

// List returns every command with its arguments and outputs.
func (h *Catalog) List(c echo.Context) error {
	return c.JSON(http.StatusOK, CatalogList{Commands: h.entries})
}

// Integration serves the XSOAR integration file generated from the catalog.
func (h *Catalog) Integration(file []byte) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="idcmd.yml"`)
		return c.Blob(http.StatusOK, "application/x-yaml", file)
	}
}
