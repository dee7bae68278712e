// Command testlog runs go test -json and prints its progress for people:
//
//	go run ./internal/testlog/cmd/testlog [-heartbeat 30s] go test -json ./...
package main

import (
	"os"

	"github.com/safediff/safediff/internal/testlog"
)

func main() { os.Exit(testlog.Main(os.Args[1:])) }
