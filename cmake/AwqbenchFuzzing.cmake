# libFuzzer builds (tests/fuzz, tools/fuzz.sh). With AWQBENCH_BUILD_FUZZERS=ON (clang only) every
# target is compiled with coverage feedback for libFuzzer plus AddressSanitizer and UBSan, so a
# fuzzer finds memory errors and undefined behaviour, not only crashes; UB aborts (no recovery) so
# libFuzzer saves the input. Include before the targets are created: the flags are directory-wide.
option(AWQBENCH_BUILD_FUZZERS "Build the libFuzzer harnesses of tests/fuzz with ASan + UBSan (clang)" OFF)

if(AWQBENCH_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "AWQBENCH_BUILD_FUZZERS needs clang (libFuzzer): configure with "
                        "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ (Debian: clang, libclang-rt-14-dev)")
  endif()
  set(AWQBENCH_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  # -O1 and line tables only (they come after the build type's -O2 -g, so they win): the
  # sanitizers' advice, and about half the compile time, which CI pays on every run.
  add_compile_options(-fsanitize=fuzzer-no-link ${AWQBENCH_SANITIZERS} -O1 -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()
