"""What the rules share about the code they read: TensorFlow and Keras API knowledge (the
generated tables and their lookups: tfapi, tfsymbols, v1api), the facts collected per module
(facts, rngs, determinism), the whole-program and subject facts they rest on (program, seeding,
graph_mode) and helpers for reading calls (calls)."""
