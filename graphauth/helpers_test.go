package graphauth_test

import (
	"crypto/rsa"
	"math/big"
)

type rsaKey = rsa.PrivateKey

func bigOne() *big.Int { return big.NewInt(1) }
