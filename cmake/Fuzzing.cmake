# POP3WS_BUILD_FUZZ: instrument every target of ours for libFuzzer's coverage
# feedback (fuzzer-no-link), not only the fuzz entry points; otherwise the
# fuzzer is blind inside the codec and the proxy.
if(POP3WS_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "POP3WS_BUILD_FUZZ needs clang (use the fuzz preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
