# Sourced after MPIRUN is set: Open MPI refuses root without these and more
# ranks than cores without --oversubscribe; MPICH needs neither. The
# environment reaches every rank. Sets OVER (mpirun's extra option) and
# OPEN_MPI (1 or 0).
if $MPIRUN --version 2>&1 | grep -q "Open MPI"; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	OVER=--oversubscribe
	OPEN_MPI=1
else
	OVER=
	OPEN_MPI=0
fi
