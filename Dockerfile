# Multi-stage build: a static binary (CGO_ENABLED=0) on a distroless base,
# running as the image's non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# BUILD names the source (git describe); the version is openapi.Version.
ARG BUILD=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.build=${BUILD}" -o /out/idcmd ./cmd/idcmd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/idcmd /usr/local/bin/idcmd
USER nonroot:nonroot
ENV IDCMD_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/idcmd"]
CMD ["serve"]
