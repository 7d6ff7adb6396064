using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace VoiceProxy.Data;

/// <summary>A compiled query for each model it meets. EF refuses to run a compiled query against a model other than the one it
/// was compiled for, and one process may hold several (SQLite and PostgreSQL contexts, or several hosts in the tests).</summary>
internal sealed class PerModel<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _compiled = [];

    public TQuery For(DbContext db) => _compiled.GetValue(db.Model, _ => compile());
}
