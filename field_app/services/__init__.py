"""What the screens call: small, typed domain services over the local store."""
