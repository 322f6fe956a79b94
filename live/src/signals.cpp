#include "live/signals.hpp"

#include <pthread.h>

#include <stdexcept>

namespace chaoslab::live {

SignalThread::SignalThread(std::initializer_list<int> signals) {
  if (signals.size() == 0) throw std::invalid_argument("SignalThread: no signals");
  sigemptyset(&set_);
  for (int s : signals) sigaddset(&set_, s);
  wake_ = *signals.begin();
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

SignalThread::~SignalThread() { stop(); }

void SignalThread::start(std::function<bool(int)> on_signal) {
  thread_ = std::thread([this, on_signal = std::move(on_signal)] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || stopping_ || !on_signal(sig)) break;
    }
    done_ = true;
  });
}

void SignalThread::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  // Thread-directed: only this thread can take it, and it is discarded if the thread has ended.
  if (!done_) pthread_kill(thread_.native_handle(), wake_);
  thread_.join();
}

}  // namespace chaoslab::live
