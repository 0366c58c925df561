// Command ferretdb-embedded runs FerretDB v1 in-process on a loopback port, for
// mongosafe's tests and demo. It embeds the ferretdb package because the module
// zip lacks the version file that the stock cmd/ferretdb binary needs at start.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (loopback only)")
	dataDir := flag.String("data", "", "directory for the SQLite databases")
	flag.Parse()

	if *dataDir == "" {
		log.Fatal("ferretdb-embedded: -data is required")
	}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		log.Fatalf("ferretdb-embedded: %v", err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/",
	})
	if err != nil {
		log.Fatalf("ferretdb-embedded: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The harness waits for this line before it connects.
	fmt.Printf("ready %s\n", f.MongoDBURI())

	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatalf("ferretdb-embedded: %v", err)
	}
}
