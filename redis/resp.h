// A command in RESP, the Redis protocol: an array of bulk strings. Pure.
#pragma once

#include <string>
#include <vector>

namespace triggerd {

// "*<n>\r\n" then "$<length>\r\n<bytes>\r\n" for each argument; arguments may hold any bytes.
std::string formatRespCommand(const std::vector<std::string>& argv);

}  // namespace triggerd
