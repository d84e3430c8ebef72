using System.Globalization;

namespace Weir.Protocol.Generator;

/// <summary>How each schema type looks in C#: its type, default, reader/writer calls, size and equality.</summary>
internal sealed class TypeMap
{
    private readonly MessageSpec _message;

    public TypeMap(MessageSpec message) => _message = message;

    /// <summary>A struct's class name qualified by the message class, safe from property names in expressions.</summary>
    public string Qualified(StructSpec s) => ReferenceEquals(s, _message.Root) ? _message.Name : $"{_message.Name}.{s.ClassName}";

    public static string PrimitiveType(string primitive) => primitive switch
    {
        "bool" => "bool",
        "int8" => "sbyte",
        "int16" => "short",
        "uint16" => "ushort",
        "int32" => "int",
        "uint32" => "uint",
        "int64" => "long",
        "float64" => "double",
        _ => throw new GeneratorException($"Unknown primitive {primitive}."),
    };

    public static string PrimitiveSuffix(string primitive) => primitive switch
    {
        "bool" => "Bool",
        "int8" => "Int8",
        "int16" => "Int16",
        "uint16" => "UInt16",
        "int32" => "Int32",
        "uint32" => "UInt32",
        "int64" => "Int64",
        "float64" => "Float64",
        _ => throw new GeneratorException($"Unknown primitive {primitive}."),
    };

    public static int PrimitiveSize(string primitive) => primitive switch
    {
        "bool" or "int8" => 1,
        "int16" or "uint16" => 2,
        "int32" or "uint32" => 4,
        "int64" or "float64" => 8,
        _ => throw new GeneratorException($"Unknown primitive {primitive}."),
    };

    /// <summary>The size of one element when it is the same for every value, else null.</summary>
    public static int? FixedSize(FieldSpec f) => f.Kind switch
    {
        FieldKind.Primitive => PrimitiveSize(f.Primitive),
        FieldKind.Uuid => 16,
        _ => null,
    };

    public string ElementType(FieldSpec f) => f.Kind switch
    {
        FieldKind.Primitive => PrimitiveType(f.Primitive),
        FieldKind.String => "string",
        FieldKind.Bytes => "byte[]",
        FieldKind.Records => "ReadOnlyMemory<byte>",
        FieldKind.Uuid => "Guid",
        FieldKind.Struct => Qualified(f.Struct!),
        _ => throw new GeneratorException("unreachable"),
    };

    /// <summary>Whether the C# type admits null (some version is nullable, or the default is null).</summary>
    public static bool NullableType(FieldSpec f) =>
        f.IsArray || f.Kind is FieldKind.String or FieldKind.Bytes or FieldKind.Struct ? f.EverNullable || f.DefaultIsNull : f.Kind == FieldKind.Records;

    public static bool IsReference(FieldSpec f) => f.IsArray || f.Kind is FieldKind.String or FieldKind.Bytes or FieldKind.Struct or FieldKind.Records;

    public string PropertyType(FieldSpec f)
    {
        if (f.Kind == FieldKind.Records && !f.IsArray)
        {
            return "ReadOnlyMemory<byte>?";
        }

        var type = f.IsArray ? $"List<{ElementType(f)}>" : ElementType(f);
        return NullableType(f) ? type + "?" : type;
    }

    public string DefaultValue(FieldSpec f)
    {
        if (f.IsArray)
        {
            return f.DefaultIsNull ? "null" : $"new List<{ElementType(f)}>()";
        }

        switch (f.Kind)
        {
            case FieldKind.Struct:
                return f.DefaultIsNull ? "null" : $"new {Qualified(f.Struct!)}()";
            case FieldKind.String:
                return f.Default is null ? "\"\"" : f.DefaultIsNull ? "null" : Naming.StringLiteral(f.Default);
            case FieldKind.Bytes:
                return f.DefaultIsNull ? "null" : "Array.Empty<byte>()";
            case FieldKind.Records:
                return f.EverNullable || f.DefaultIsNull ? "null" : "ReadOnlyMemory<byte>.Empty";
            case FieldKind.Uuid:
                return "Guid.Empty";
            case FieldKind.Primitive:
                return PrimitiveDefault(f);
            default:
                throw new GeneratorException("unreachable");
        }
    }

    private static string PrimitiveDefault(FieldSpec f)
    {
        var text = f.Default?.Trim();
        if (f.Primitive == "bool")
        {
            return text is null ? "false" : text.ToLowerInvariant() switch
            {
                "true" => "true",
                "false" => "false",
                _ => throw new GeneratorException($"Field {f.Name}: bad bool default {text}."),
            };
        }

        if (string.IsNullOrEmpty(text))
        {
            return "0";
        }

        if (f.Primitive == "float64")
        {
            return double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "d";
        }

        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var magnitude = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(digits, CultureInfo.InvariantCulture);
        var value = negative ? -magnitude : magnitude;
        var (min, max) = f.Primitive switch
        {
            "int8" => (sbyte.MinValue, sbyte.MaxValue),
            "int16" => (short.MinValue, short.MaxValue),
            "uint16" => (ushort.MinValue, ushort.MaxValue),
            "int32" => (int.MinValue, int.MaxValue),
            "uint32" => (uint.MinValue, uint.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        if (value < min || value > max)
        {
            throw new GeneratorException($"Field {f.Name}: default {text} does not fit {f.Primitive}.");
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A C# condition that holds when <paramref name="e"/> differs from the field's default.</summary>
    public string NonDefault(FieldSpec f, string e)
    {
        if (f.IsArray)
        {
            return f.DefaultIsNull ? $"{e} is not null" : $"({e} is null || {e}.Count != 0)";
        }

        return f.Kind switch
        {
            FieldKind.Struct => f.DefaultIsNull ? $"{e} is not null" : $"({e} is null || !{e}.Equals(new {Qualified(f.Struct!)}()))",
            FieldKind.String => f.DefaultIsNull ? $"{e} is not null" : $"!string.Equals({e}, {DefaultValue(f)}, StringComparison.Ordinal)",
            FieldKind.Bytes => f.DefaultIsNull ? $"{e} is not null" : $"({e} is null || {e}.Length != 0)",
            FieldKind.Records => DefaultValue(f) == "null" ? $"{e}.HasValue" : $"(!{e}.HasValue || {e}.GetValueOrDefault().Length != 0)",
            FieldKind.Uuid => $"{e} != Guid.Empty",
            FieldKind.Primitive when f.Primitive == "float64" => $"!{e}.Equals({DefaultValue(f)})",
            _ => $"{e} != {DefaultValue(f)}",
        };
    }

    public string EqualsExpr(FieldSpec f, string a, string b)
    {
        if (f.IsArray)
        {
            return $"MessageUtil.ListEquals({a}, {b})";
        }

        return f.Kind switch
        {
            FieldKind.Struct => $"({a} is null ? {b} is null : {a}.Equals({b}))",
            FieldKind.String => $"string.Equals({a}, {b}, StringComparison.Ordinal)",
            FieldKind.Bytes => $"MessageUtil.BytesEquals({a}, {b})",
            FieldKind.Records => $"MessageUtil.RecordsEquals({a}, {b})",
            FieldKind.Primitive when f.Primitive == "float64" => $"{a}.Equals({b})",
            _ => $"{a} == {b}",
        };
    }

    public static string HashExpr(FieldSpec f, string a)
    {
        if (f.IsArray)
        {
            return $"MessageUtil.ListHash({a})";
        }

        return f.Kind switch
        {
            FieldKind.Bytes => $"MessageUtil.BytesHash({a}, {a} is null)",
            FieldKind.Records => $"MessageUtil.BytesHash({a}.HasValue ? {a}.GetValueOrDefault().Span : default, !{a}.HasValue)",
            FieldKind.String => $"{a} is null ? 0 : string.GetHashCode({a}, StringComparison.Ordinal)",
            _ => a,
        };
    }
}
