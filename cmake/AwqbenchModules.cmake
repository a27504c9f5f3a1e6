# Module boundaries the build enforces.
#
# Every first-party module is one target declared in its folder (core/model -> awq_model, ui/compare
# -> awq_ui_compare) and includes headers by their path from the project root ("core/model/...").
# What a module may include follows from what it links, as usage requirements do:
#   * its own folder, detail/ included;
#   * the public headers of the modules in its link closure (its PUBLIC and PRIVATE links and, from
#     each of those, their PUBLIC links);
#   * never another module's detail/, never a module it does not link.
# awqbench_enforce_module_boundaries() turns that into the compiler's include path: per module, a
# folder of guard headers searched before the project root, one per forbidden header, each an
# #error naming the rule and where to fix it (Qt Creator's plugin targets and GPT4All's FILE_SETs
# draw the same line with separate include roots; a guard keeps the one root and the include
# paths every file already uses). Valid code never opens a guard, so its build is unchanged.

# awqbench_module(TARGET [FOLDER dir]): registers TARGET as the module of FOLDER (default: the calling
# CMakeLists.txt's folder); a folder may hold several targets (awq_report and its OBJECT part
# awq_report_pdf), each checked against what it links itself. Real libraries get the project root
# as include path and the warning set, and their sources are checked; an INTERFACE library only
# names its folder (no sources to check).
function(awqbench_module target)
  cmake_parse_arguments(M "" "FOLDER" "" ${ARGN})
  if(NOT M_FOLDER)
    file(RELATIVE_PATH M_FOLDER ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set_property(TARGET ${target} PROPERTY AWQBENCH_MODULE_GUARDED OFF)
  else()
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    awqbench_warnings(${target})
    set_property(TARGET ${target} PROPERTY AWQBENCH_MODULE_GUARDED ON)
  endif()
  set_property(TARGET ${target} PROPERTY AWQBENCH_MODULE_FOLDER ${M_FOLDER})
  set_property(GLOBAL APPEND PROPERTY AWQBENCH_MODULES ${target})
endfunction()

# The folders `target` may include from: its own and those of the modules in its link closure.
function(_awqbench_module_reach target out)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(todo ${target} INTERFACE_LINK_LIBRARIES)
  else()
    get_target_property(todo ${target} LINK_LIBRARIES)
  endif()
  get_target_property(folder ${target} AWQBENCH_MODULE_FOLDER)
  set(reach ${folder})
  set(seen "")
  while(todo)
    list(POP_FRONT todo lib)
    # $<LINK_ONLY:x> (a dependency's private link) is not a target name and is skipped on purpose.
    if(NOT TARGET "${lib}" OR lib IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${lib})
    get_target_property(imported ${lib} IMPORTED)
    if(imported)
      continue()
    endif()
    get_target_property(dep_folder ${lib} AWQBENCH_MODULE_FOLDER)
    if(dep_folder)
      list(APPEND reach ${dep_folder})
    endif()
    get_target_property(next ${lib} INTERFACE_LINK_LIBRARIES)
    if(next)
      list(APPEND todo ${next})
    endif()
  endwhile()
  list(REMOVE_DUPLICATES reach)
  set(${out} ${reach} PARENT_SCOPE)
endfunction()

# Call once, after every module target is declared.
function(awqbench_enforce_module_boundaries)
  get_property(modules GLOBAL PROPERTY AWQBENCH_MODULES)
  set(folders "")
  foreach(m IN LISTS modules)
    get_target_property(f ${m} AWQBENCH_MODULE_FOLDER)
    list(APPEND folders ${f})
    if(NOT DEFINED _owner_${f})
      set(_owner_${f} ${m})  # a folder of several targets (core/report) is named by its first
    endif()
  endforeach()
  list(REMOVE_DUPLICATES folders)
  set(guard_root ${CMAKE_BINARY_DIR}/module-guards)
  file(REMOVE_RECURSE ${guard_root})
  foreach(m IN LISTS modules)
    get_target_property(guarded ${m} AWQBENCH_MODULE_GUARDED)
    if(NOT guarded)
      continue()
    endif()
    get_target_property(own ${m} AWQBENCH_MODULE_FOLDER)
    _awqbench_module_reach(${m} reach)
    foreach(f IN LISTS folders)
      if(f STREQUAL own)
        continue()
      endif()
      if(f IN_LIST reach)
        file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/${f}/detail/*.h ${PROJECT_SOURCE_DIR}/${f}/detail/*.inc)
        set(why "is private to ${f} (${_owner_${f}}): use the public headers of ${f}")
      else()
        file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/${f}/*.h ${PROJECT_SOURCE_DIR}/${f}/*.inc)
        set(why "belongs to ${_owner_${f}}, which ${m} does not link: add it to target_link_libraries(${m} ...) in ${own}/CMakeLists.txt if ${own} should depend on ${f}")
      endif()
      foreach(h IN LISTS headers)
        file(WRITE ${guard_root}/${m}/${h} "#error \"${h} ${why}\"\n")
      endforeach()
    endforeach()
    file(MAKE_DIRECTORY ${guard_root}/${m})
    target_include_directories(${m} BEFORE PRIVATE ${guard_root}/${m})
  endforeach()
endfunction()
