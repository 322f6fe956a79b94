# Inlines the charting libraries (vega, vega-lite, vega-embed from report/node_modules, pinned by
# report/package-lock.json) into the chaoslab binary, so `chaoslab report` writes pages that work
# offline and the installed binary needs no node_modules. Included from report/CMakeLists.txt after
# chaoslab_report is defined.
set(CHAOSLAB_REPORT_MODULES ${PROJECT_SOURCE_DIR}/report/node_modules)
set(_chaoslab_report_assets
  vega vega/build/vega.min.js
  vega-lite vega-lite/build/vega-lite.min.js
  vega-embed vega-embed/build/vega-embed.min.js)

set(_inputs "")
set(_args "")
list(LENGTH _chaoslab_report_assets _n)
math(EXPR _last "${_n} - 1")
foreach(_i RANGE 0 ${_last} 2)
  math(EXPR _j "${_i} + 1")
  list(GET _chaoslab_report_assets ${_i} _pkg)
  list(GET _chaoslab_report_assets ${_j} _rel)
  set(_file ${CHAOSLAB_REPORT_MODULES}/${_rel})
  if(NOT EXISTS ${_file})
    message(FATAL_ERROR
      "chaoslab report assets: ${_file} is missing.\n"
      "The HTML reports inline vega, vega-lite and vega-embed from report/node_modules.\n"
      "Run scripts/install-deps (it runs `npm ci` in report/), or `cd report && npm ci`, then configure again.")
  endif()
  list(APPEND _inputs ${_file} ${CHAOSLAB_REPORT_MODULES}/${_pkg}/package.json)
  list(APPEND _args "${_pkg}=${_file}")
endforeach()

set(_generated ${CMAKE_CURRENT_BINARY_DIR}/generated/report_assets.cpp)
string(REPLACE ";" "|" _args_joined "${_args}")
add_custom_command(
  OUTPUT ${_generated}
  COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${_generated}" "-DASSETS=${_args_joined}"
          -P ${PROJECT_SOURCE_DIR}/report/embed_assets.cmake
  DEPENDS ${_inputs} ${PROJECT_SOURCE_DIR}/report/embed_assets.cmake
  COMMENT "Inlining vega, vega-lite and vega-embed into the report generator"
  VERBATIM)
target_sources(chaoslab_report PRIVATE ${_generated})
