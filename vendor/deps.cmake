# Finds the Debian packages peon-bot builds against and exposes them as one target, peon::deps.
# Nothing here is third-party source: only the glue that locates installed packages.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4)
pkg_check_modules(LWS REQUIRED IMPORTED_TARGET libwebsockets)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)

# lua-cjson is linked statically so the binary does not depend on a Lua C-module search path.
pkg_get_variable(CJSON_LIBDIR lua5.4-cjson libdir)
find_library(CJSON_STATIC NAMES liblua5.4-cjson.a HINTS ${CJSON_LIBDIR} REQUIRED)

add_library(peon_deps INTERFACE)
target_link_libraries(peon_deps INTERFACE
  ${CJSON_STATIC}
  PkgConfig::LUA PkgConfig::LWS PkgConfig::CURL PkgConfig::UV PkgConfig::SQLITE PkgConfig::ZLIB m)
add_library(peon::deps ALIAS peon_deps)
