// Process signals for the services: one thread takes them with sigwait, so no other thread (the
// io loop, the HTTP pools) is ever interrupted by one, and a handler may do anything a thread may.
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <thread>

#include <signal.h>

namespace chaoslab::live {

class SignalThread {
 public:
  // Blocks `signals` in the calling thread and ignores SIGPIPE (a peer that closes mid-write is a
  // value, not a death). Construct it before any other thread starts: threads inherit the mask,
  // and a signal a thread does not block may be delivered there instead.
  explicit SignalThread(std::initializer_list<int> signals);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

  // Starts the thread: on_signal(sig) for each signal taken, until it returns false.
  void start(std::function<bool(int)> on_signal);
  // Wakes the thread if it is still waiting (the process ends for another reason) and joins it.
  void stop();

 private:
  sigset_t set_{};
  int wake_ = 0;  // a signal of the set, sent to the thread itself by stop()
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace chaoslab::live
