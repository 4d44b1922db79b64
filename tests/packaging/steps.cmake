# The steps the packaging scripts (packaging_test.cmake, scaffold_test.cmake) are made of, for
# `cmake -P`: a command that must succeed, and a text that must appear in its output.

# Runs the command (ARGN); on failure stops the script with `what`, its status and output.
# Sets `step_output` (stdout then stderr) in the caller.
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_contains what haystack needle)
  string(FIND "${haystack}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: expected to find '${needle}' in:\n${haystack}")
  endif()
endfunction()
