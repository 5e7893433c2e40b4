"""The differentiable operations, one `Function` per operation, grouped by kind."""
