-- Every user-visible text comes from a message table: scripts/lib/i18n/<language>/<domain>.lua returns
-- { key = "text with {placeholders}" }. A key is "domain.key" (e.g. "server.started"). The language is
-- the interaction's locale when we have it, else PEON_LANGUAGE; a key missing in that language falls
-- back to English, and a key missing in English shows as [[domain.key]] so a test catches it.
local i18n = {}

i18n.LANGUAGES = { "en", "de" }
local KNOWN = { en = true, de = true }
-- Discord locales of our languages (for command name/description localizations).
local DISCORD_LOCALES = { de = { "de" } }

local tables = {}

local function domain_table(lang, domain)
  local id = lang .. "." .. domain
  local t = tables[id]
  if t == nil then
    local ok, loaded = pcall(require, "i18n." .. lang .. "." .. domain)
    t = ok and type(loaded) == "table" and loaded or false
    if not ok and lang == "en" then error(loaded, 0) end
    tables[id] = t
  end
  return t or nil
end

-- The language for a Discord locale ("de", "en-US", "pt-BR"...), falling back to PEON_LANGUAGE.
function i18n.language(locale)
  if type(locale) == "string" then
    local base = locale:match("^(%a%a)")
    if base and KNOWN[base:lower()] then return base:lower() end
  end
  local configured = peon.config.language
  return KNOWN[configured] and configured or "en"
end

local function fill(text, vars)
  if vars == nil then return text end
  return (text:gsub("{([%w_]+)}", function(name)
    local value = vars[name]
    if value == nil then return "{" .. name .. "}" end
    return tostring(value)
  end))
end

function i18n.text(lang, key, vars)
  local domain, name = key:match("^([%w_]+)%.(.+)$")
  if domain == nil then return "[[" .. key .. "]]" end
  local t = domain_table(lang, domain)
  local text = t and t[name]
  if text == nil and lang ~= "en" then
    t = domain_table("en", domain)
    text = t and t[name]
  end
  if text == nil then return "[[" .. key .. "]]" end
  return fill(text, vars)
end

-- A translator bound to one interaction: local t = i18n.for_ctx(ctx); t("server.started", { uid = ... }).
function i18n.for_ctx(ctx)
  local lang = i18n.language(ctx and ctx.locale)
  return function(key, vars) return i18n.text(lang, key, vars) end, lang
end

-- For channel messages nobody asked for (schedules, notifications): the configured language.
function i18n.default()
  local lang = i18n.language(nil)
  return function(key, vars) return i18n.text(lang, key, vars) end, lang
end

-- { de = "..." } for a command's name/description localizations, from the same key in each language.
function i18n.localizations(key)
  local out = {}
  for lang, locales in pairs(DISCORD_LOCALES) do
    local domain, name = key:match("^([%w_]+)%.(.+)$")
    local t = domain and domain_table(lang, domain)
    if t and t[name] then
      for _, locale in ipairs(locales) do out[locale] = t[name] end
    end
  end
  return out
end

return i18n
