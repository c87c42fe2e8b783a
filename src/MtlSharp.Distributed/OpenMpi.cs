using System.Runtime.InteropServices;

namespace MtlSharp.Distributed;

/// <summary>
/// The few functions of Open MPI's C API (libmpi.so.40, Open MPI 4.x) that data parallelism needs, bound through
/// function pointers from <see cref="NativeLibrary"/> so that nothing is loaded unless the process runs under
/// <c>mpirun</c>. Open MPI's handles (MPI_Comm, MPI_Datatype, MPI_Op) are the addresses of its predefined global
/// objects (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, …).
/// </summary>
internal sealed unsafe class OpenMpi
{
    /// <summary>The library's file name (Debian's openmpi-bin / libopenmpi3).</summary>
    public const string LibraryName = "libmpi.so.40";

    public const int Success = 0;
    public const int ThreadMultiple = 3;

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private OpenMpi(nint library)
    {
        nint Fn(string name) => NativeLibrary.GetExport(library, name);

        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Fn("MPI_Init_thread");
        FinalizeMpi = (delegate* unmanaged<int>)Fn("MPI_Finalize");
        Finalized = (delegate* unmanaged<int*, int>)Fn("MPI_Finalized");
        CommRank = (delegate* unmanaged<nint, int*, int>)Fn("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Fn("MPI_Comm_size");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Fn("MPI_Allreduce");
        Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Fn("MPI_Allgather");
        Allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)Fn("MPI_Allgatherv");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Fn("MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Fn("MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Fn("MPI_Abort");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Fn("MPI_Ibarrier");
        Test = (delegate* unmanaged<nint*, int*, void*, int>)Fn("MPI_Test");
        CommWorld = NativeLibrary.GetExport(library, "ompi_mpi_comm_world");
        Float = NativeLibrary.GetExport(library, "ompi_mpi_float");
        Double = NativeLibrary.GetExport(library, "ompi_mpi_double");
        Byte = NativeLibrary.GetExport(library, "ompi_mpi_byte");
        Int = NativeLibrary.GetExport(library, "ompi_mpi_int");
        LongLong = NativeLibrary.GetExport(library, "ompi_mpi_long_long_int");
        Sum = NativeLibrary.GetExport(library, "ompi_mpi_op_sum");
        Max = NativeLibrary.GetExport(library, "ompi_mpi_op_max");
    }

    public delegate* unmanaged<int*, byte***, int, int*, int> InitThread { get; }

    public delegate* unmanaged<int> FinalizeMpi { get; }

    public delegate* unmanaged<int*, int> Finalized { get; }

    public delegate* unmanaged<nint, int*, int> CommRank { get; }

    public delegate* unmanaged<nint, int*, int> CommSize { get; }

    public delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce { get; }

    public delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather { get; }

    public delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> Allgatherv { get; }

    public delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; }

    public delegate* unmanaged<nint, int> Barrier { get; }

    public delegate* unmanaged<nint, int, int> Abort { get; }

    public delegate* unmanaged<nint, nint*, int> Ibarrier { get; }

    public delegate* unmanaged<nint*, int*, void*, int> Test { get; }

    /// <summary>MPI_COMM_WORLD.</summary>
    public nint CommWorld { get; }

    /// <summary>MPI_FLOAT.</summary>
    public nint Float { get; }

    /// <summary>MPI_DOUBLE.</summary>
    public nint Double { get; }

    /// <summary>MPI_BYTE.</summary>
    public nint Byte { get; }

    /// <summary>MPI_INT.</summary>
    public nint Int { get; }

    /// <summary>MPI_LONG_LONG_INT.</summary>
    public nint LongLong { get; }

    /// <summary>MPI_SUM.</summary>
    public nint Sum { get; }

    /// <summary>MPI_MAX.</summary>
    public nint Max { get; }

    /// <summary>
    /// Loads Open MPI (MTL_MPI_LIBRARY names another file). The library is opened RTLD_GLOBAL first, as Open MPI's
    /// dynamically loaded components expect its symbols to be global.
    /// </summary>
    public static OpenMpi Load()
    {
        string name = Environment.GetEnvironmentVariable("MTL_MPI_LIBRARY") is { Length: > 0 } custom ? custom : LibraryName;
        try
        {
            fixed (byte* n = System.Text.Encoding.UTF8.GetBytes(name + "\0"))
            {
                _ = dlopen(n, RtldNow | RtldGlobal);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: NativeLibrary.Load below still tries.
        }

        if (!NativeLibrary.TryLoad(name, out nint library))
        {
            throw new DllNotFoundException($"running under mpirun, but Open MPI's {name} cannot be loaded; install Open MPI 4 (Debian: apt-get install openmpi-bin libopenmpi-dev) or name the library in MTL_MPI_LIBRARY.");
        }

        try
        {
            return new OpenMpi(library);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new DllNotFoundException($"{name} is not Open MPI 4's library ({e.Message}); MtlSharp binds Open MPI's C API.", e);
        }
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint dlopen(byte* file, int mode);
}
