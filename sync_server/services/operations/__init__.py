"""What an operator watches: figures about the district server itself, never about people."""
