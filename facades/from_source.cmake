# facades/from_source.cmake: builds each facade's library from its lab's reference solution, in
# the instructors' repository (facades/CMakeLists.txt includes it where it exists; a student's
# release has neither it nor solutions/, and links the prebuilt libraries instead).
#
# parlab_reference_from_source(NUMBER NAME SOURCES FACADE): the library parlab_labNN_reference,
# when solutions/NN_name/ exists. An OBJECT library holds the reference's side (its .cpp files and
# SOURCES, which see solutions/NN_name/), the static library adds FACADE (which sees include/).
function(parlab_reference_from_source number name sources facade)
  set(dir ${number}_${name})
  set(library parlab_lab${number}_reference)
  set(solution_dir "${PROJECT_SOURCE_DIR}/solutions/${dir}")
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
