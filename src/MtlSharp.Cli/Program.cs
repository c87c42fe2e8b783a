using System.CommandLine;
using MtlSharp.Cli.Commands;

namespace MtlSharp.Cli;

/// <summary>The <c>mtl</c> command: train, evaluate and reproduce multi-task experiments.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("MtlSharp: multi-task learning that learns what to share.")
        {
            TrainCommand.Instance.Command,
            EvalCommand.Create(),
            ExportCommand.Create(),
            ReproduceCommand.Create(),
            DownloadCommand.Create(),
            ListCommand.Create(),
            ConfigCommand.Create(),
            PredictCommand.Create(),
            GroupCommand.Create(),
            DistillCommand.Create(),
        };
        return Cluster.Stop(Run(root, args));
    }

    private static int Run(RootCommand root, string[] args)
    {
        try
        {
            Cluster.Start();   // under mpirun: this process joins the MPI job (outside it, nothing of MPI is loaded)
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"mtl: {e.Message}");
            return 2;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"mtl: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or HttpRequestException
            or MtlSharp.NN.NonFiniteLossException or MtlSharp.NN.Checkpoints.CheckpointMismatchException or FormatException or System.Text.Json.JsonException
            or NotSupportedException or OverflowException)
        {
            Console.Error.WriteLine($"mtl: {e.Message}");
            return 1;
        }
    }
}
