// The platform's transfer through its own API client (go-scalingo's AppsTransfer), which the CLI
// has no command for: built by tests/cli.rs beside the CLI, from the CLI's vendored modules.
// Usage: apps-transfer API_TOKEN APP EMAIL (SCALINGO_API_URL, SCALINGO_AUTH_URL set); prints the
// app's name and its owner's email.
package main

import (
	"context"
	"fmt"
	"os"

	scalingo "github.com/Scalingo/go-scalingo/v11"
)

func main() {
	ctx := context.Background()
	c, err := scalingo.New(ctx, scalingo.ClientConfig{
		APIEndpoint:  os.Getenv("SCALINGO_API_URL"),
		AuthEndpoint: os.Getenv("SCALINGO_AUTH_URL"),
		APIToken:     os.Args[1],
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app, err := c.AppsTransfer(ctx, os.Args[2], os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s %s\n", app.Name, app.Owner.Email)
}
