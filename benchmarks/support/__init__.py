"""Parts the benchmarks share that are not benchmarks themselves (``make bench`` runs only
the modules directly in benchmarks/)."""
