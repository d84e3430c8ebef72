using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Weir.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher, so <c>--filter</c>, <c>--job</c> and friends work.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // The machine is shared and small: the median resists outliers better than the mean.
        var config = DefaultConfig.Instance.AddColumn(StatisticColumn.Median);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
