# cmake/install.cmake: `cmake --install <build> --prefix P` layout and the CMake and
# pkg-config packages, so other builds can use an installed resnetc:
#   P/lib/libresnetc.a                       the runtime
#   P/include/resnetc/*.h                    its headers (model.h: the model contract)
#   P/share/resnetc/{gen,templates,specs}    the generator, its templates, the shipped specs
#   P/lib/cmake/resnetc/                     resnetcConfig.cmake (+ version, targets export,
#                                            resnetc.cmake with resnetc_add_model)
#   P/lib/pkgconfig/resnetc.pc               for non-CMake builds
#   P/bin/<model>                            the model executables of RESNETC_MODELS
# Included from the top-level CMakeLists.txt after the runtime and the models are defined.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RESNETC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/resnetc)
set(RESNETC_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/resnetc)

install(TARGETS resnetc EXPORT resnetcTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/resnetc
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(EXPORT resnetcTargets NAMESPACE resnetc:: DESTINATION ${RESNETC_INSTALL_CMAKEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/gen/ DESTINATION ${RESNETC_INSTALL_DATADIR}/gen
        FILES_MATCHING PATTERN "*.lua")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/templates/ DESTINATION ${RESNETC_INSTALL_DATADIR}/templates)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/specs/ DESTINATION ${RESNETC_INSTALL_DATADIR}/specs
        FILES_MATCHING PATTERN "*.lua")

foreach(_model IN LISTS RESNETC_MODELS)
  if(TARGET ${_model})
    install(TARGETS ${_model} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} OPTIONAL)
  endif()
endforeach()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/resnetcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/resnetcConfig.cmake
  INSTALL_DESTINATION ${RESNETC_INSTALL_CMAKEDIR}
  PATH_VARS RESNETC_INSTALL_DATADIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/resnetcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/resnetcConfig.cmake
              ${PROJECT_BINARY_DIR}/resnetcConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/resnetc.cmake
        DESTINATION ${RESNETC_INSTALL_CMAKEDIR})

# pkg-config: relocatable (paths relative to the .pc file), so `--prefix` at install time works.
file(RELATIVE_PATH RESNETC_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" RESNETC_PC_TO_PREFIX "${RESNETC_PC_TO_PREFIX}")
string(REPLACE ";" " " RESNETC_PC_OPENMP "${OpenMP_C_FLAGS}")
set(RESNETC_PC_IMAGES "")
if(RESNETC_HAVE_PNG)
  string(APPEND RESNETC_PC_IMAGES " -lpng")
endif()
if(RESNETC_HAVE_JPEG)
  string(APPEND RESNETC_PC_IMAGES " -ljpeg")
endif()
set(RESNETC_PC_SANITIZE "")   # a sanitized libresnetc.a needs the sanitizer runtimes
if(RESNETC_SANITIZE)
  set(RESNETC_PC_SANITIZE " -fsanitize=${RESNETC_SANITIZE}")
endif()
set(RESNETC_PC_REQUIRES "")   # with RESNETC_MPI the runtime needs MPI (Debian: mpi-c.pc)
if(RESNETC_MPI)
  set(RESNETC_PC_REQUIRES "Requires: mpi-c")   # static library: its users link MPI
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/resnetc.pc.in ${PROJECT_BINARY_DIR}/resnetc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/resnetc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
