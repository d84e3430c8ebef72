using System.Text.Json;

namespace Weir.Protocol.Generator;

/// <summary>Reads Kafka's JSON schema dialect (JSON with // comments) into <see cref="MessageSpec"/>s.</summary>
internal static class SchemaLoader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Schema directories and the C# namespace area each one maps to.</summary>
    public static readonly (string Directory, string Area)[] Areas =
    [
        ("message", "Messages"),
        ("metadata", "Metadata"),
        ("group-coordinator", "GroupCoordinator"),
        ("transaction-coordinator", "TransactionCoordinator"),
        ("share-coordinator", "ShareCoordinator"),
        ("storage", "Storage"),
        ("raft", "Raft"),
    ];

    public static List<MessageSpec> LoadAll(string schemaDir)
    {
        var messages = new List<MessageSpec>();
        foreach (var (directory, area) in Areas)
        {
            var dir = Path.Combine(schemaDir, directory);
            if (!Directory.Exists(dir))
            {
                throw new DirectoryNotFoundException($"Schema directory {dir} is missing.");
            }

            var files = Directory.GetFiles(dir, "*.json");
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                try
                {
                    messages.Add(Load(file, area));
                }
                catch (Exception e) when (e is not GeneratorException)
                {
                    throw new GeneratorException($"{file}: {e.Message}", e);
                }
            }
        }

        messages.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return messages;
    }

    private static MessageSpec Load(string file, string area)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file), Options);
        var root = doc.RootElement;
        var name = root.GetProperty("name").GetString()!;
        var valid = Versions.Parse(root.GetProperty("validVersions").GetString(), Versions.None);
        var listeners = new List<string>();
        if (root.TryGetProperty("listeners", out var l))
        {
            foreach (var item in l.EnumerateArray())
            {
                listeners.Add(item.GetString()!);
            }
        }

        var structs = new List<StructSpec>();
        var body = new StructSpec { Name = name, Fields = ParseFields(root.GetProperty("fields"), structs), ClassName = name };
        var message = new MessageSpec
        {
            Name = name,
            Type = root.GetProperty("type").GetString()!,
            Area = area,
            Namespace = "Weir.Protocol." + area,
            ApiKey = root.TryGetProperty("apiKey", out var k) ? k.GetInt16() : null,
            Valid = valid,
            Flexible = Versions.Parse(root.GetProperty("flexibleVersions").GetString(), Versions.None),
            Listeners = listeners,
            LatestVersionUnstable = root.TryGetProperty("latestVersionUnstable", out var u) && u.GetBoolean(),
            Root = body,
        };
        if (root.TryGetProperty("commonStructs", out var common))
        {
            foreach (var cs in common.EnumerateArray())
            {
                structs.Add(new StructSpec { Name = cs.GetProperty("name").GetString()!, Fields = ParseFields(cs.GetProperty("fields"), structs), IsCommon = true });
            }
        }

        message.Structs.AddRange(structs);
        Resolve(message);
        return message;
    }

    private static List<FieldSpec> ParseFields(JsonElement fields, List<StructSpec> structs)
    {
        var result = new List<FieldSpec>();
        foreach (var f in fields.EnumerateArray())
        {
            var name = f.GetProperty("name").GetString()!;
            var type = f.GetProperty("type").GetString()!;
            var isArray = type.StartsWith("[]", StringComparison.Ordinal);
            var element = isArray ? type[2..] : type;
            var tagged = Versions.Parse(f.TryGetProperty("taggedVersions", out var tv) ? tv.GetString() : null, Versions.None);
            // A tagged field may omit "versions"; then it exists exactly where it is tagged.
            var versions = Versions.Parse(f.TryGetProperty("versions", out var v) ? v.GetString() : null, tagged);
            if (versions.IsEmpty && tagged.IsEmpty)
            {
                throw new GeneratorException($"Field {name} has no versions.");
            }

            var kind = element switch
            {
                "bool" or "int8" or "int16" or "uint16" or "int32" or "uint32" or "int64" or "float64" => FieldKind.Primitive,
                "string" => FieldKind.String,
                "bytes" => FieldKind.Bytes,
                "records" => FieldKind.Records,
                "uuid" => FieldKind.Uuid,
                _ => FieldKind.Struct,
            };
            string? def = null;
            if (f.TryGetProperty("default", out var d))
            {
                def = d.ValueKind switch
                {
                    JsonValueKind.String => d.GetString(),
                    JsonValueKind.Number => d.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Null => "null",
                    _ => throw new GeneratorException($"Field {name}: unsupported default {d.GetRawText()}."),
                };
            }

            var spec = new FieldSpec
            {
                Name = name,
                TypeString = type,
                IsArray = isArray,
                Kind = kind,
                Primitive = kind == FieldKind.Primitive ? element : "",
                StructName = kind == FieldKind.Struct ? element : "",
                Versions = versions,
                NullableVersions = Versions.Parse(f.TryGetProperty("nullableVersions", out var nv) ? nv.GetString() : null, Versions.None),
                TaggedVersions = tagged,
                FlexibleVersions = Versions.Parse(f.TryGetProperty("flexibleVersions", out var fv) ? fv.GetString() : null, Versions.All),
                Tag = f.TryGetProperty("tag", out var tag) ? (tag.ValueKind == JsonValueKind.String ? int.Parse(tag.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : tag.GetInt32()) : null,
                Ignorable = f.TryGetProperty("ignorable", out var ig) && ig.GetBoolean(),
                Default = def,
                About = f.TryGetProperty("about", out var about) ? about.GetString() ?? "" : "",
            };
            if (kind == FieldKind.Struct && f.TryGetProperty("fields", out var nested))
            {
                structs.Add(new StructSpec { Name = element, Fields = ParseFields(nested, structs) });
            }

            result.Add(spec);
        }

        return result;
    }

    /// <summary>Links struct fields to their structs, works out each struct's versions and picks clash-free class names.</summary>
    private static void Resolve(MessageSpec message)
    {
        var byName = new Dictionary<string, StructSpec>(StringComparer.Ordinal);
        foreach (var s in message.Structs)
        {
            if (!byName.TryAdd(s.Name, s))
            {
                throw new GeneratorException($"{message.Name}: struct {s.Name} is defined twice.");
            }
        }

        void Link(StructSpec s, Versions context)
        {
            s.Context = s.Context.Hull(context);
            foreach (var f in s.Fields)
            {
                if (f.Kind != FieldKind.Struct)
                {
                    continue;
                }

                if (!byName.TryGetValue(f.StructName, out var target))
                {
                    throw new GeneratorException($"{message.Name}: field {f.Name} has unknown type {f.TypeString}.");
                }

                f.Struct = target;
                var inner = f.Versions.Intersect(context);
                if (!inner.IsEmpty && !target.Context.Covers(inner))
                {
                    Link(target, inner);
                }
            }
        }

        Link(message.Root, message.Valid);

        var topLevelNames = new HashSet<string>(StringComparer.Ordinal) { message.Name };
        foreach (var f in message.Root.Fields)
        {
            topLevelNames.Add(f.Name);
        }

        foreach (var s in message.Structs)
        {
            if (s.Context.IsEmpty)
            {
                // Declared (e.g. a common struct) but used by no field in any valid version.
                s.Context = message.Valid;
            }

            var clash = topLevelNames.Contains(s.Name) || s.Fields.Exists(f => f.Name == s.Name) || Naming.ReservedTypeNames.Contains(s.Name);
            s.ClassName = clash ? s.Name + "Data" : s.Name;
            if (topLevelNames.Contains(s.ClassName) || s.Fields.Exists(f => f.Name == s.ClassName))
            {
                throw new GeneratorException($"{message.Name}: cannot find a clash-free class name for struct {s.Name}.");
            }
        }

        var classNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in message.Structs)
        {
            if (!classNames.Add(s.ClassName))
            {
                throw new GeneratorException($"{message.Name}: two structs map to class {s.ClassName}.");
            }
        }
    }
}
