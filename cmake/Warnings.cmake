# Warnings applied to every target of ours through pop3ws_warnings().
add_library(pop3ws_warnings INTERFACE)
if(MSVC)
  target_compile_options(pop3ws_warnings INTERFACE /W4)
else()
  target_compile_options(pop3ws_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
endif()
