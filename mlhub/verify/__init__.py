"""Tutorial verification: execute each golden-path notebook against the live services, keep the
executed copy and a record of what it ran against; skip what has not changed."""
