# POP3WS_SANITIZE=address;undefined turns on ASan+UBSan for every target.
# The test preset uses it; any sanitizer report fails the test that raised it.
set(POP3WS_SANITIZE "" CACHE STRING "Semicolon list of sanitizers (address;undefined)")
if(POP3WS_SANITIZE AND NOT EMSCRIPTEN)
  list(JOIN POP3WS_SANITIZE "," _pop3ws_san)
  add_compile_options(-fsanitize=${_pop3ws_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_pop3ws_san})
endif()
