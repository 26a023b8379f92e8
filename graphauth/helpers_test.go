package graphauth_test

import (
	"crypto/rsa"
	"io"
	"log/slog"
	"math/big"
)

type rsaKey = rsa.PrivateKey

func bigOne() *big.Int { return big.NewInt(1) }

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
