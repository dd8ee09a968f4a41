using BenchmarkDotNet.Running;

namespace Chronik.Benchmarks;

/// <summary>Runs the micro-benchmarks: `dotnet run -c Release --project bench/Chronik.Benchmarks -- --filter '*'`.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
