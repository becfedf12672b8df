package commands

import "encoding/base64"

// Prisma Cloud pages with an opaque nextPageToken (IAM search, alerts).
// The signed cursors of paging.go carry it as the page reference,
// base64url-encoded: Prisma's tokens hold '+', '/' and '=', and the cursor
// format reserves '.' and ':'.

// prismaFirstPage is the reference to a query's first page. It is no
// base64url encoding of anything (5 characters), so it cannot be taken
// for a wrapped token.
const prismaFirstPage = "first"

// prismaStart is readPaged's first page for a Prisma query.
var prismaStart = []func() (string, error){func() (string, error) { return prismaFirstPage, nil }}

// prismaPageRef wraps Prisma's nextPageToken into a page reference; ""
// (the last page) stays "".
func prismaPageRef(token string) string {
	if token == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(token))
}

// prismaPageToken unwraps a page reference into Prisma's token; "" for
// the first page.
func prismaPageToken(ref string) (string, error) {
	if ref == prismaFirstPage {
		return "", nil
	}
	tok, err := base64.RawURLEncoding.DecodeString(ref)
	if err != nil {
		return "", inputError("The arguments are invalid", "body.cursor", "is not a cursor this command returned")
	}
	return string(tok), nil
}
