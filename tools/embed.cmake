# Turns a file into a C header holding its bytes: cmake -DINPUT=f -DOUTPUT=h -DNAME=sym -P embed.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE "${OUTPUT}" "/* Generated from ${INPUT}; do not edit. */\n"
  "static const unsigned char ${NAME}[] = {${bytes}};\n"
  "static const unsigned long ${NAME}_len = ${byte_count};\n")
