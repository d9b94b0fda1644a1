// The one translation unit that compiles Asio, Asio's SSL support and Beast (STYLE.md "Build":
// BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION and
// BOOST_BEAST_USE_STD_STRING_VIEW are defined for every user of cux_gateway by CMake). Every
// other file includes only declarations, which keeps the gateway's rebuilds fast.

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
