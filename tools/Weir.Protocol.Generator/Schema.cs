namespace Weir.Protocol.Generator;

/// <summary>One schema file: a request, response, header or stored record ("data"/"metadata").</summary>
internal sealed class MessageSpec
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string Area { get; init; }

    public required string Namespace { get; init; }

    public short? ApiKey { get; init; }

    public required Versions Valid { get; init; }

    public required Versions Flexible { get; init; }

    public required IReadOnlyList<string> Listeners { get; init; }

    public bool LatestVersionUnstable { get; init; }

    public required StructSpec Root { get; init; }

    /// <summary>Every nested structure (including common structs), in schema order.</summary>
    public List<StructSpec> Structs { get; } = [];

    public short FirstFlexibleVersion => Flexible.IsEmpty ? short.MaxValue : Flexible.Lowest;
}

/// <summary>A structure: the message body, a nested struct, or a common struct.</summary>
internal sealed class StructSpec
{
    public required string Name { get; init; }

    public required List<FieldSpec> Fields { get; init; }

    /// <summary>The C# class name (the JSON name, renamed when it would clash with a property).</summary>
    public string ClassName { get; set; } = "";

    /// <summary>Versions in which this struct can be read or written.</summary>
    public Versions Context { get; set; } = Versions.None;

    public bool IsCommon { get; init; }
}

internal enum FieldKind
{
    Primitive,
    String,
    Bytes,
    Records,
    Uuid,
    Struct,
}

internal sealed class FieldSpec
{
    public required string Name { get; init; }

    public required string TypeString { get; init; }

    public bool IsArray { get; init; }

    /// <summary>The (element) kind.</summary>
    public FieldKind Kind { get; init; }

    /// <summary>For primitives: int8, int16, uint16, int32, uint32, int64, float64, bool.</summary>
    public string Primitive { get; init; } = "";

    /// <summary>For struct kinds: the JSON struct name.</summary>
    public string StructName { get; init; } = "";

    public StructSpec? Struct { get; set; }

    public required Versions Versions { get; init; }

    public required Versions NullableVersions { get; init; }

    public required Versions TaggedVersions { get; init; }

    public required Versions FlexibleVersions { get; init; }

    public int? Tag { get; init; }

    public bool Ignorable { get; init; }

    /// <summary>The schema's default as text ("null", "-1", "0x7fffffff", "true"), or null when none given.</summary>
    public string? Default { get; init; }

    public string About { get; init; } = "";

    public bool EverNullable => !NullableVersions.Intersect(Versions).IsEmpty;

    public bool DefaultIsNull => Default == "null";

    /// <summary>Versions where the field is sent as a regular (not tagged) field.</summary>
    public Versions RegularVersions =>
        Tag is null || TaggedVersions.IsEmpty ? Versions : Versions.Intersect(new Versions(Versions.Lowest, (short)(TaggedVersions.Lowest - 1)));

    /// <summary>Versions where the field is sent in the tagged-field section.</summary>
    public Versions TaggedIn => Tag is null ? Versions.None : Versions.Intersect(TaggedVersions);
}
