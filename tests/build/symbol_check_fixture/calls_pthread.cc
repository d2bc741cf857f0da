// A library that must fail check_no_forbidden_symbols.sh: it calls pthread_self(), so its archive
// has an undefined reference to a pthread_ symbol. Proves the symbol check can fail.
#include <pthread.h>

unsigned long symbol_check_fixture_thread_id() {
  return static_cast<unsigned long>(pthread_self());
}
