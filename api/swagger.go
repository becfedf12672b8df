package api

import (
	"github.com/labstack/echo/v4"
	echoSwagger "github.com/swaggo/echo-swagger"
)

// mountSwagger serves Swagger UI at /swagger/index.html and the document at
// /swagger/doc.json.
func mountSwagger(e *echo.Echo) {
	e.GET("/swagger", func(c echo.Context) error { return c.Redirect(302, "/swagger/index.html") })
	e.GET("/swagger/*", echoSwagger.WrapHandler)
}
