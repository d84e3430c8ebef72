namespace Weir.Protocol.Generator;

/// <summary>An inclusive version range from a schema ("0+", "1-3", "5", "none"); empty when Lowest &gt; Highest.</summary>
internal readonly record struct Versions(short Lowest, short Highest)
{
    public static readonly Versions None = new(1, 0);
    public static readonly Versions All = new(0, short.MaxValue);

    public bool IsEmpty => Lowest > Highest;

    public bool Contains(short version) => version >= Lowest && version <= Highest;

    public Versions Intersect(Versions other) =>
        IsEmpty || other.IsEmpty ? None : new Versions(Math.Max(Lowest, other.Lowest), Math.Min(Highest, other.Highest)) is var v && v.IsEmpty ? None : v;

    /// <summary>The smallest range covering both.</summary>
    public Versions Hull(Versions other) =>
        IsEmpty ? other : other.IsEmpty ? this : new Versions(Math.Min(Lowest, other.Lowest), Math.Max(Highest, other.Highest));

    public bool Covers(Versions other) => other.IsEmpty || (!IsEmpty && Lowest <= other.Lowest && Highest >= other.Highest);

    public static Versions Parse(string? text, Versions fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        text = text.Trim();
        if (text.Length == 0 || text == "none")
        {
            return None;
        }

        if (text.EndsWith('+'))
        {
            return new Versions(short.Parse(text[..^1]), short.MaxValue);
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            return new Versions(short.Parse(text[..dash]), short.Parse(text[(dash + 1)..]));
        }

        var single = short.Parse(text);
        return new Versions(single, single);
    }

    /// <summary>
    /// A C# condition on <paramref name="variable"/> that holds for versions in this range, knowing
    /// the code only runs for versions in <paramref name="context"/>: "true", "false" or a comparison.
    /// </summary>
    public string Condition(Versions context, string variable = "version")
    {
        var inter = Intersect(context);
        if (inter.IsEmpty)
        {
            return "false";
        }

        if (Covers(context))
        {
            return "true";
        }

        var parts = new List<string>();
        if (inter.Lowest > context.Lowest)
        {
            parts.Add($"{variable} >= {inter.Lowest}");
        }

        if (inter.Highest < context.Highest)
        {
            parts.Add($"{variable} <= {inter.Highest}");
        }

        return string.Join(" && ", parts);
    }

    public override string ToString() =>
        IsEmpty ? "none" : Highest == short.MaxValue ? $"{Lowest}+" : Lowest == Highest ? $"{Lowest}" : $"{Lowest}-{Highest}";
}
