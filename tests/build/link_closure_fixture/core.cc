// Never compiled: the link-closure fixture is only configured.
int fixture_core_answer() { return 42; }
