#include "policies/client.hpp"

#include "policies/client_impl.hpp"

namespace chaoslab {

template class BasicClient<Runtime>;

}  // namespace chaoslab
