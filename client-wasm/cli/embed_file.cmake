# cmake -DINPUT=F -DOUTPUT=G -DSYMBOL=S -P embed_file.cmake
# Writes a C++ source defining `std::string_view pop3ws::cli::S()` with the
# bytes of F, so the binary carries its data files (the protocol annotations)
# and needs nothing beside it at run time. A raw string literal keeps UTF-8
# text as it is; the delimiter cannot occur in the JSON.
file(READ "${INPUT}" content)
string(FIND "${content}" ")pop3ws_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_file.cmake; do not edit.\n"
  "#include <string_view>\n"
  "namespace pop3ws::cli {\n"
  "std::string_view ${SYMBOL}() {\n"
  "  static constexpr char data[] = R\"pop3ws_embed(${content})pop3ws_embed\";\n"
  "  return {data, sizeof data - 1};\n"
  "}\n"
  "}  // namespace pop3ws::cli\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
