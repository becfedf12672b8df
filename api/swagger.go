package api

import (
	"net/http"

	"github.com/idcmd/idcmd/openapi"
	"github.com/labstack/echo/v4"
	echoSwagger "github.com/swaggo/echo-swagger"
)

// mountSwagger serves Swagger UI at /swagger/index.html and the document at
// /swagger/doc.json (and doc.yaml). The document is the committed
// openapi/swagger.json byte for byte, the file make test validates, not
// swag's run-time template (which fills in an empty host and schemes).
func mountSwagger(e *echo.Echo) {
	e.GET("/swagger", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/swagger/index.html") })
	e.GET("/swagger/doc.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapi.Document)
	})
	e.GET("/swagger/doc.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", openapi.DocumentYAML)
	})
	e.GET("/swagger/*", echoSwagger.WrapHandler)
}
