# MPI stays inside this area: only work_queue.cpp includes mpi.h, and only it sees
# KENYON_WITH_MPI (callers ask dist::built_with_mpi()).
target_sources(kenyon PRIVATE dist/work_queue.cpp)
if(KENYON_WITH_MPI)
  target_link_libraries(kenyon PRIVATE MPI::MPI_CXX)
  set_source_files_properties(dist/work_queue.cpp PROPERTIES COMPILE_DEFINITIONS KENYON_WITH_MPI=1)
endif()
