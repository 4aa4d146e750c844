# facades/from_source.cmake: builds each facade's library from its lab's reference solution, in
# the instructors' repository (facades/CMakeLists.txt includes it where it exists; a student's
# release has neither it nor solutions/, and links the prebuilt libraries instead).

# Where the references' sources are: solutions/, or a copy of it under another name (the
# sanitizers write source paths into the objects, and scripts/release-student ships prebuilt
# references that name no folder of this repository's references).
set(PARLAB_REFERENCE_SOURCE_DIR "${PROJECT_SOURCE_DIR}/solutions" CACHE PATH
    "Where facades/ builds the references from (scripts/release-student sets a copy)")

# parlab_reference_from_source(NUMBER NAME SOURCES FACADE): the library parlab_labNN_reference,
# when solutions/NN_name/ exists. An OBJECT library holds the reference's side (its .cpp files and
# SOURCES, which see solutions/NN_name/), the static library adds FACADE (which sees include/).
function(parlab_reference_from_source number name sources facade)
  set(dir ${number}_${name})
  set(library parlab_lab${number}_reference)
  set(solution_dir "${PARLAB_REFERENCE_SOURCE_DIR}/${dir}")
  if(NOT EXISTS "${solution_dir}")
    return()
  endif()
  file(GLOB solution_sources "${solution_dir}/*.cpp")
  add_library(${library}_inside OBJECT ${solution_sources})
  foreach(source IN LISTS sources)
    target_sources(${library}_inside PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${source}")
  endforeach()
  target_include_directories(${library}_inside PRIVATE "${solution_dir}")
  target_link_libraries(${library}_inside PRIVATE parlab_common parlab_options)
  add_library(${library} STATIC $<TARGET_OBJECTS:${library}_inside>)
  foreach(source IN LISTS facade)
    target_sources(${library} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${source}")
  endforeach()
  target_include_directories(${library} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/include")
  target_link_libraries(${library} PUBLIC parlab_common parlab_options)
endfunction()
