#include "core/rules/click_filter.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "core/util/text.hpp"

namespace zt {
namespace {

// Generated from third_party/crawler-user-agents/crawler-user-agents.json by
// scripts/refresh-crawler-list, so that the build needs no network.
constexpr const char* crawler_patterns[] = {
#include "crawler_patterns.inc"
};

// Apps that open links in their own browser: the person tapping the link, even when the vendored list
// would say otherwise (it has "Viber", "WhatsApp" and "MetaIAB Facebook"); a fetcher's own signal (a
// contact, a rule below: "MicroMessenger/7.0 ... wechatdevtools qcloudcdn") still wins. Only with a
// real browser engine: "WhatsApp/2.23.20.0 A" alone is WhatsApp's preview fetcher, and
// facebookexternalhit is Facebook's, while FBAN/FBAV is a person in the Facebook app. Baidu's apps (its search app
// "baiduboxapp/", its maps "baidumap_ANDR" and their plug-in) and Sogou's search app ("SogouSearch Android1.0",
// "Sogousearch/Ios/4.2.2", whose name holds the vendored list's word for Sogou's spider) are China's other in-app
// browsers beside WeChat's.
constexpr const char* in_app_browser =
    R"(Telegram-(?:Android|iOS)|\bFBAN/|\bFBAV/|\bFB_IAB\b|\bFBIOS\b|\bMetaIAB\b|\bInstagram\b|)"
    R"(\bWhatsApp/|\bViber\b|\bLine/|\bMicroMessenger/|musical_ly|BytedanceWebview|\bTikTok\b|)"
    R"(\bSnapchat\b|\bbaidu(?:boxapp|map|boxmapplugin)|\bSogouSearch\b|; wv\))";
constexpr const char* rendering_engine = R"(AppleWebKit|Gecko|Trident|Presto|Chrome)";

// The shape of a browser's User-Agent, which fetchers that only say "Mozilla/5.0" or "Chrome" lack:
// "Mozilla/N.N (platform; ...)" followed by a rendering engine or a browser's product/version token;
// classic Opera; a handset's platform tokens (old phones: "Opera/9.80 (J2ME/MIDP; Opera Mini/...)",
// "NetFront/3.5" or its short name "ACS-NF/3.2", "UCWEB7.0", "SAMSUNG-GT-S5230/... Profile/MIDP-2.1", Openwave's
// "AU-MIC-A640/2.0" and the Mobile Media Profile "MMP/2.0" that only handsets declare); or a WebKit engine token
// wherever it stands, also glued to what precedes it ("Browser/AppleWebKit537.36" of MIUI's old
// handsets). "Mozilla/5.0 (compatible; Thing/1.0)" has none of these: a fetcher.
constexpr const char* browser_shape =
    R"(^Mozilla/\d+(?:\.\d+)*\s*\([^)]*\).*(?:AppleWebKit/\d|Gecko\b|KHTML|Trident/\d|Presto/\d|)"
    R"(Goanna/\d|Servo/\d|Chrome/\d|Firefox/\d|Safari/\d|Version/\d|Opera|MSIE \d|Konqueror|Edge?/\d)|)"
    // Palm's and other handsets put their model before "Mozilla/" ("PalmCentro/v0001 Mozilla/4.0 (compatible; MSIE
    // 6.0; ...)"); no platform check then, but the comment must still name an engine.
    R"(^(?:\S+ )?Mozilla/\d+(?:\.\d+)*\s*\([^)]*(?:MSIE \d|Konqueror|Trident/\d|Opera))"
    // Internet Explorer 11 writes the tokens that toolbars and OEMs register before the platform ("Pre Platform")
    // between "Mozilla/5.0" and its comment: "Mozilla/5.0; TOB 6.11 (Windows NT 6.1; WOW64; Trident/7.0; ...)". The
    // platform check below does not see that comment, so the shape names the only system it ran on.
    R"(|^Mozilla/5\.0; [^()]+ \(Windows NT [^)]*Trident/\d)"
    R"(|Opera/\d|^Opera [\d.]+ \(|WebKit/?\d|Gecko/[\d.]+ .*Firefox/\d|Gecko/\d{8}|Browser ?(?:/\S+)?\s*\(|Dolphin|)"
    R"(\bMIDP|\bCLDC|Series ?[46]0|Symbian|UP\.Browser|NetFront|Obigo|UCWEB|UCBrowser|Opera Mini|BlackBerry|)"
    R"(ACS-NF/\d|AU-MIC\b|\bMMP/\d|J2ME|Windows CE|PalmOS|Polaris|Openwave|Teleca|Dolfin|Maemo|)"
    // Netscape Navigator up to 4.x named no engine: "Mozilla/4.79 [en] (X11; U; SunOS 5.10 i86pc)"; the copies that
    // companies and providers customised carry their marks before the comment ("Mozilla/4.61 [en]C-CCK-MCD (WinNT;
    // U)", "[en]C-CCK-MCD {RuralNet} (Win98; I)").
    R"(^Mozilla/[1-4]\.\d+[^()]*\((?:X11|Win|Macintosh|OS/2)|)"
    // Television sets' HbbTV browsers, text-mode browsers, the browsers with an engine of their own, which name no
    // other (NetSurf, Dillo, iCab, which kept its string when it moved to WebKit, IBrowse on AmigaOS, the W3C's
    // Amaya), and a product that names itself a browser ("ICEbrowser/v6_1_2": the platform check below still
    // applies).
    R"(HbbTV/\d|WebTV/\d|webOS\.TV|NetCast|^E?Links\b|^Lynx/\d|\bw3m/\d|NetSurf/\d|[a-z]browser/v?\d|)"
    R"(\bDillo[/-]\d|^iCab/\d|^IBrowse/\d|^amaya/\d|)"
    // A product that calls itself a browser, with a version ("KM.Browser/5.0", "NF-Browser/3.3", "nook browser/1.0",
    // "Browser/WAP2.0"), first in the comment ("Mozilla/4.0 (jig browser web; 1.0.4; 705NK)"), or last after a
    // handset's model ("Nokia6120c/GoBrowser"): a fetcher that says "browser" does so on its own, without a version
    // ("T-Online Browser", "cars-app-browser").
    R"(\bbrowser(?:/|\d| v?\d)|^Mozilla/[\d.]+ \(\w+ browser\b|/\w+browser$|)"
    // Browsers older than the engine tokens and embedded ones: the Mosaics ("NCSA_Mosaic/2.0", "Spyglass Mosaic/1.0",
    // "AIR_Mosaic(16bit)/v1.00"), ACCESS's AVE-Front on consoles and set-top boxes, the Origyn Web Browser of
    // AmigaOS and AROS, Pocket Internet Explorer, and i-mode handsets ("DoCoMo/2.0 N07B(c500;TB;W24H16)",
    // "SoftBank/1.0/821SC/...", "(F02B;FOMA;like Gecko)").
    R"(Mosaic(?:View)?[/ (]|AVE-?Front/\d|OWB/\d|Internet Explorer/\d|\bDoCoMo/\d|^SoftBank/\d|\bFOMA\b|)"
    // Game consoles' browsers, and handsets' WAP browsers ("MOT-V868/1.0 MIB1.2/v1.0", "MAUI WAP Browser",
    // "NOKIA6120c/UC Browser7.4").
    R"(^Mozilla/[\d.]+\s*\((?:PLAYSTATION|PS[2-5]\b|PSP|Nintendo)|)"
    R"(\bMIB/?\d|UP\.Link|\bUP/\d|\bWAP[- ]Browser|UC Browser|)"
    // UC Browser's speed mode writes its tokens without slashes: "Mozilla 5.0 (Linux; U; Android 4.0.4; ...)
    // UC AppleWebKit 534.31 (KHTML, like Gecko) Mobile Safari 534.31".
    R"(UC AppleWebKit \d|)"
    // Browsers that named themselves in the comment, with a version, before the platform: "Mozilla/4.5
    // (compatible; OmniWeb/4.0.5; Mac_PowerPC)", "(compatible; iCab 2.9.8; Macintosh; U; PPC)", "(compatible;
    // MMEF20; Cellphone; Sony CMD-J5)". The platform check below still applies; a name without a version
    // ("(compatible; Zollard; Linux)") is a fetcher's.
    R"(^Mozilla/\d+(?:\.\d+)*\s*\([Cc]ompatible; ?[A-Za-z][^;)]*\d[^;)]*;[^)]*\))";

// A browser's "Mozilla/N.N (...)" comment says where it runs: an operating system, a device class or a
// handset platform ("Windows NT 10.0", "Linux; Android 14", "iPhone", "X11", "Mobile", "BREW", "SMART-TV").
// A fetcher that borrows the prefix often puts itself there instead ("Mozilla/5.0 (Mixnode) AppleWebKit/...",
// "Mozilla/5.0 (compatible; Thing/1.0)"). Only applied when the string starts with that comment.
constexpr const char* mozilla_comment = R"(^Mozilla/\d+(?:\.\d+)*\s*\()";
// A handset's or a television's own tokens elsewhere in the string stand for the platform that the comment
// leaves out: "Mozilla/5.0 (;;;) AppleWebKit/534.6 HbbTV/1.1.1 (...) CE-HTML/1.0", "Mozilla/4.1 (compatible;
// Teleca Q7; ...)", "Mozilla/4.0 (compatible; MSIE 4.0; ) Opera, SAMSUNG-B2100/1.0 Profile/MIDP-2.0". So do the
// embedded browsers that only run on handsets, PDAs, printers and TV sets ("Mozilla/4.08 (PDA; SL-C860/1.0,
// Qtopia/1.5.4) NetFront/3.1", "Mozilla/5.0 (MFP; ...; like Gecko) NetFront/3.5", "(... OpenTV) InettvBrowser/1.0",
// UC's speed mode, "(compatible; MAUI WAP Browser; MT6228)").
constexpr const char* device_tokens =
    R"(NetFront|jig browser|AVE-?Front|InettvBrowser|OpenTV|UC AppleWebKit|\bWAP\b|)"
    R"(HbbTV/|CE-HTML|\bMIDP|\bCLDC|Teleca|Obigo|NetCast|webOS\.TV|\) Opera [\d.]+)";

constexpr const char* platform_comment =
    R"(^Mozilla/\d+(?:\.\d+)*\s*\([^)]*(?:Windows|\bWin(?:NT|9|3|16|32|64|CE)|Macintosh|\bMac|Darwin|X11|Linux|)"
    R"(Android|\bi(?:Phone|Pad|Pod)|iOS|CrOS|CrKey|BSD|SunOS|Solaris|\bAIX|HP-UX|IRIX|Unix|CYGWIN|OS/2|BeOS|Haiku|)"
    R"(Syllable|DragonFly|QNX|Amiga|MorphOS|RISC OS|Inferno|Fuchsia|Ubuntu|Fedora|Debian|BlackBerry|\bBB\d|PlayBook|)"
    R"(Symbian|SymbOS|\bS60\b|Series ?\d|Nokia|MeeGo|Maemo|Sailfish|Tizen|KaiOS|webOS|Web0S|hpwOS|Bada|Palm|HarmonyOS|)"
    // Huawei's own system, which its PCs and tablets name alone: "(PC; OpenHarmony 6.1) ... ArkWeb/6.1.0.115".
    R"(OpenHarmony|)"
    R"(Brew|J2ME|MIDP|\bJava;|EPOC|Plan ?9|AROS|)"
    // The rarer free systems, Solaris's heir among them: "Mozilla/5.0 (illumos; rv:38.0) Gecko/20100101 Firefox/38.0".
    R"(illumos|OpenIndiana|ReactOS|Minix|SerenityOS|Redox|Genode|Hurd|\bGNU\b|)"
    // Danger's hiptop (T-Mobile's Sidekick) names the handset: "Mozilla/5.0 (Danger hiptop 4.7; U; rv:1.7.12)
    // Gecko/20050920".
    R"(hiptop|)"
    // Consoles and set-top boxes, and Japanese carriers' handsets, which name the network where others name a system.
    R"(\bPS[2-5]\b|Roku|DoCoMo|SoftBank|FOMA|WILLCOM|DDIPOCKET|)"
    // A browser that names itself there instead: "(compatible; Konqueror/4.1; DragonFly)".
    R"(Konqueror|)"
    R"(Phone|Mobile|Tablet|\bTV\b|SMART-?TV|DTV|PlayStation|Nintendo|Xbox|Dreamcast|Kindle|\bKF[A-Z]))";

// A browser's string ends with its own product tokens ("... Chrome/120.0 Safari/537.36", "Firefox/121.0",
// "OPR/105.0", "[FBAN/...]"). A tool that borrows the string and names itself after them without a version
// ("... Safari/537.36 DebugBear", "... Safari/537.36 claude-web", "(BingLocalSearch)") is a fetcher. Only a
// name of seven characters or more with a lower-case letter: old toolbars and OEM builds add short or
// upper-case marks ("GTB7.1", "MRCHROME", "LBBROWSER", "Brave", "Google", "(Chrome)"); a name that holds
// "browser" is a browser's ("SECSSOBrowserChrome", a company's single sign-on build), and one with a digit is a
// build or a distribution's mark ("(Debian-3.0.7-1)"). In parentheses only after Safari or Chrome: after Firefox
// they name a build ("Firefox/2.0 (Swiftfox)", "(Ubuntu-feisty)"), and no fetcher of the corpus signs that way.
// The same after an Internet Explorer's comment ("...; .NET CLR 3.0.04506.30) Lightspeedsystems"). Not in an
// app's web view ("; wv)"): apps name themselves there ("... Mobile Safari/537.36 TwitterAndroid").
// It costs a few people (a proctoring extension, Maxthon's old builds: one tap each) and
// catches monitoring, page-speed and AI fetchers that no list names yet.
constexpr const char* trailing_name =
    R"((?:(?:Safari|Chrome)/[\d.]+ \(?|Firefox/[\d.]+ |MSIE [^)]*\) \(?)([A-Za-z][\w.-]{6,})\)?$)";
// Neither on a television set, whose web apps name their runtime there ("(Web0S; Linux/SmartTV) ... Safari/537.36
// WebAppManager") and Google TV itself ("(X11; Linux; Fuchsia; GoogleTV) ... Safari/537.36 GoogleTV"), nor for a
// distribution's mark ("Firefox/8.8.8 (Ubuntu-feisty)", "(Kubuntu)").
constexpr const char* tv_platform_comment =
    R"(\((?:[^)]*[;\s])?(?:Web0S|webOS|SMART-?TV|SmartTV|Tizen|HbbTV|CrKey|Roku|GoogleTV|Android ?TV)\b)";
constexpr const char* distribution_mark =
    R"(ubuntu|debian|fedora|centos|gentoo|suse|\bmint\b|slackware|red ?hat|mandriva|mageia|\barch\b)";
// Nor after a distribution's own build of the browser, which marks it ("Gecko/20060313 Fedora/1.5.0.1-9 Firefox/1.5.0.1
// pango-text": Fedora's and Red Hat's Firefox with Pango text rendering).
constexpr const char* distribution_build_token = R"(\b(?:Ubuntu|Debian|Fedora|CentOS|Red Hat|SUSE|Mandriva|Gentoo)/\d)";
// Nor in Android 4.4's web view, which wrote no "; wv)" yet but gives itself away by Chrome's version with zeros
// after Safari's "Version/4.0" ("Version/4.0 Chrome/30.0.0.0 Mobile Safari/537.36 TwitterAndroid"): the app names
// itself there, as in the later web views.
constexpr const char* kitkat_web_view = R"(Version/4\.0 Chrome/\d+\.0\.0\.0 Mobile Safari/)";

// A handset's model and build are its maker's names, not a crawler's: the vendored list's bare words ("Butterfly",
// "Sonic", "008/") also name HTC's and ViewSonic's phones and Huawei's G6008, and one of its patterns is an Android
// build that many OPPO, OnePlus and realme phones share ("AP3A.240617.008"). An Android handset writes its model
// before "Build/" and its build after it ("(Linux; Android 4.3; HTC Butterfly Build/JSS15J)"; some write "build/");
// a Java phone (MIDP, CLDC) as its first product ("HUAWEI-G6008/1.0 ... Profile/MIDP-2.0 Config/CLDC-1.1"). Groups:
// model and build, or the Java phone. Not a model without a build ("(Linux; Android 5.1; O+ Sonic)", as Chrome writes
// since version 60): monitors write their name there ("(Linux; U; Android 4.0.2; en-us; Catchpoint)").
constexpr const char* handset_model = R"(; ?([^;)]*?) ?[Bb]uild/([^;)\s]*)|^([^/ ]+)/\S*\s.*\b(?:MIDP|CLDC))";
// The model that Android's comment ends with, with its build or without ("(Linux; Android 7.0; M bot 51)", "(Linux; U;
// Android 4.4.2; en-us; Cubot X9 Build/KOT49H; wv)"), when written as makers write one: letters, digits, spaces and
// ".+_-", never a probe's punctuation.
constexpr const char* android_model =
    R"(\(Linux; (?:U; )?Android [\d.]+;(?: [a-z]{2}(?:[-_][A-Za-z]{2})?;)? ([A-Za-z0-9 ._+-]+?))"
    R"((?: [Bb]uild/[^;)]*)?(?:; wv)?\))";
// Words of the fetcher rules that name what a thing is, not what it does: a crawler, a bot, a scripting language.
constexpr const char* kind_name_words = R"(bot|spider|crawl|\bpython\b|\bperl\b|\bruby\b|\bphp\b|\bnode\b)";

// QtWebKit writes "(Unknown; Linux x86_64)" where it cannot name the platform: headless Qt tools
// (PhantomJS, wkhtmltopdf, monitoring renderers) on a Linux server; a Qt browser on a rarer system says which
// ("(Unknown; UNIX BSD/SYSV system) ... QupZilla/1.8.6", "(Unknown; OS/2 i386) ... QtWebEngine/5.15.2"); a browser
// names its platform, or, on a television set, says what it is elsewhere ("LG Browser/6.00.00(...); LG
// NetCast.TV-2013").
constexpr const char* unknown_platform = R"(^Mozilla/\d+(?:\.\d+)*\s*\(Unknown; Linux)";

// A browser that names itself a browser, with a version ("SogouMobileBrowser/3.1.2", "coccocbrowser/42.0";
// not "DMBrowser/2.1", a monitor): the vendored list's bare words ("Sogou", for Sogou's spider) do not
// make it a crawler. A fetcher's own marks (step 4) still do.
constexpr const char* browser_product_token = R"([a-z][Bb]rowser/\d)";

// What scanners and attackers write into the User-Agent, and no browser sends (OWASP's classes of injection):
// template and shell injection ("${jndi:...}", "{{7*7}}", "$(id)", "`id`", "() { :; };", "/bin/sh", "$IFS"),
// path traversal ("../", "/etc/passwd", "..%2f"), shell and SQL operators ("&&", "||", "' OR '1'='1", "OR 1=1",
// "WHERE 8=8 OR NOT 7=6", "ORDER BY 1", "' UNION SELECT", "SLEEP(5)", "WAITFOR DELAY", "@@version"), script
// ("javascript:", "onerror=", "alert(", "eval("), and characters encoded to slip past a filter ("%27", "%3C", "%00",
// "%0d%0a", "&#x3c;", "&lt;", "\x3c") or a whole string a tool URL-encoded ("Mozilla/5.0%20%28Linux%3B ...").
// Not an encoded ">" alone: it opens no tag, and Baidu's app writes one into the id it appends ("1C2%3enohPi").
// Quotes and angle brackets themselves are in forged() below.
constexpr const char* injection_probe =
    R"(\$\{|\{\{|#\{|\{%|\$\(|`|\(\)\s*\{|/bin/(?:ba)?sh\b|\$IFS\b|\.\./|\.\.%2[fF]|%2[eE]%2[eE]|/etc/|)"
    R"(&&|\|\||\bsleep\s*\(|'\s*(?:or|and|union|select|where|--|;|\)|\+)|)"
    R"(\b(?:or|and|where)\s+(?:not\s+)?\d+\s*=\s*\d+|\border\s+by\s+\d+|)"
    R"(union\s+(?:all\s+)?select\b|select\s.*\bfrom\s|\bwaitfor\s+delay\b|@@version|information_schema|)"
    R"(xp_cmdshell|\b(?:benchmark|pg_sleep|extractvalue|updatexml|load_file)\s*\(|)"
    R"(javascript:|\bon(?:error|load|mouseover|focus)\s*=|\b(?:alert|prompt|confirm|eval|exec|system|passthru|)"
    R"(shell_exec|popen|base64_decode|phpinfo)\s*\(|)"
    R"(%2[02789]|%3[BbCc]|%0[0aAdD]|%5[cC]|&#x?[0-9a-f]+;|&(?:lt|gt|quot);|\\x[0-9a-fA-F]{2})";

// A URL or an e-mail address: "(+https://developers.facebook.com/...)", "+Claude-User@anthropic.com".
// A browser never carries one; a fetcher names whom to contact.
// A host name under a generic top-level domain does the same ("(via secureurl.fwdcdn.com ...)").
constexpr const char* contact_pattern =
    R"(https?://|\bwww\.|[a-z0-9._%+-]+@[a-z0-9-]+\.[a-z0-9.-]*[a-z]|)"
    R"(\b[a-z0-9-]+\.(?:com|net|org|io|info|biz|ai|app|dev|xyz)\b)";

// Internet Explorer's toolbars and shells sign with their site inside its comment, as a mark rather than a contact:
// the site with the toolbar's version ("StumbleUpon.com 1.760", "OfficeWorld.com/1.082"), or the shell's name with
// its homepage in brackets ("Avant Browser [avantbrowser.com]", "PhaseOut [www.phaseout.net]"). A fetcher gives a URL,
// an address or the bare site ("www.alertra.com", "internetsupervision.com"). A mark is a whole item of the comment.
constexpr const char* site_mark =
    R"( *(?:[a-z][a-z0-9 .-]*? \[(?:www\.)?[a-z0-9-]+\.(?:com|net|org)\]|)"
    R"([a-z0-9-]+\.(?:com|net|org|biz|info)[ /]\d+(?:\.\d+)+) *)";

// What public lists miss: the long tail of fetchers names itself or is a library.
// The two errors do not cost the same: a person taken for a preview taps "Join the lesson" once; a fetcher
// taken for a person starts a lesson nobody joined, which is paid. So a rule goes in when it catches
// fetchers without costing browsers on the corpus, and a browser rule only when it lets no fetcher
// through. Left out for that reason: "Name/1.0 (Linux; ...)" as a browser (it would bring back
// IBrowse and Mosaic, and let updaters, virus scanners and download managers through), "Electron/"
// as a fetcher (Brave's first versions and Obsidian are Electron), "proxy" (Opera Mini's and UC's
// proxies carry people), "sdk" (in-app browsers write "SDK 34" and "mso_sdk"), "api" (Android emulators
// name their device "Thing X1 - 4.2.2 - API 17", and no fetcher on the corpus needed the word), a bare
// name between the engine and "Safari/" ("like Gecko) webscreenie Safari/": old WebKit browsers, Shiira,
// rekonq, QtCarBrowser, write theirs there). A string that no release sent costs no browser: the
// impossible_*() checks below judge by release history.
constexpr const char* fetcher_rules =
    // HTTP libraries and command-line tools.
    R"(\bcurl\b|\bwget\b|python-requests|python-urllib|python-httpx|\bhttpx\b|aiohttp|\bokhttp\b|)"
    R"(Go-http-client|\bJava/\d|Apache-HttpClient|node-fetch|\baxios\b|\bundici\b|libwww-perl|\bLWP::|)"
    R"(http\.rb/|\bFaraday\b|\bGuzzleHttp\b|\bDalvik/|\bCFNetwork/|\bScrapy\b|)"
    // Headless and automated browsers, page auditors, and Android emulated on Google's cloud ("GCE x86 phone", the
    // device of test labs that drive apps and the links in them).
    R"(HeadlessChrome|PhantomJS|\bLighthouse\b|Google Page Speed|\bPuppeteer\b|\bPlaywright\b|\bGCE x86\b|)"
    R"(\bSelenium\b|\bjsdom\b|)"
    // Link-preview fetchers that the vendored list lacks or matches only with their URL.
    R"(googlemessages|facebookexternal|meta-external|Pinterestbot|Cardyb|Onebox|)"
    // Fetchers that say what they are: "Bot ", "/bot.html", "Googlebot/", "Googlebot 10.0", "AdsBot-Google",
    // "SomeCrawler", "for robot study".
    // Not "CUBOT X19" nor "Build/CUBOT)" (a phone), hence no bare "bot" inside a word and no upper-case "BOT)"; nor
    // "(CUBOT; P60; CUBOT)", the maker's name in the device an in-app browser lists (Instagram's, Nexo's), hence no
    // upper-case "BOT;" either: the fetchers that shout their name put a "/" after it ("MSNBOT/0.1", "AIBOT/2.1").
    R"((?-i:\b[Bb]ot\b|[a-z][Bb]ot\b)|bot[/,-]|(?-i:(?:[bB]o[tT]|[bB]Ot|bOT);)|(?-i:[bB]ot)\)|bot$|)"
    R"(\brobots?\b|crawl|spider|\bpreview|fetch|)"
    // Automation says what it does, also when appended to a real browser's string ("... Safari/537.36
    // SiteMonitor/2.1", "Firefox/101.0 site24x7", "KHTML, like Gecko GomezAgent 3.0"): words that name a
    // task, never a browser ("i-Macros-Web-Automation", Neustar's "WPM", web performance monitoring).
    R"(scrap(?:e|er|ing)\b|scan(?:ner)?\b|monitor|synthetic|uptime|checker|\bcheck\b|inspect|diagnos|)"
    R"(measure|observ|analy[sz]|classif|validat|\baudit|probe|transcod|render|advisor|agent\b|agent[/ ;)]|)"
    R"(archiv|index(?:er|ing)|\bseo\b|lookup|research|automation|\bwpm\b|)"
    // Page tools that render what they fetch into something else: screenshots and thumbnails
    // ("Seznam screenshot-generator", "WebThumb/1.0"), HTML to an image or a PDF ("wkhtmltoimage",
    // "webkit2png"), image resizers, translators ("Yandex.Translate"), favicon and keyword tools,
    // debuggers and backlink checkers.
    // A converter that names itself after what it makes, with a version ("ExpertPdf/9.4.0", "HiQPdf/7.2").
    R"(screen ?shot|thumb|html ?to|2(?:png|pdf|jpe?g|image)\b|pdf/\d|resiz|sizer|translat|favicon|keyword|debug|)"
    R"(backlink|)"
    // A "(compatible; Name)" after a browser's last token: how crawlers that render with Chrome sign
    // ("... Mobile Safari/537.36 (compatible; Google-AMPHTML)"); no browser adds one there.
    R"(Safari/[\d.]+ \(compatible; |)"
    // Link checkers, download managers and caching proxies ("(CMLINKCHECK)", "Downloader/1410", "DownloaderChrome/62",
    // "ucweb-squid"), and a proxy or gateway that says, as HTTP's Via header does, that it relayed the request
    // ("... via NetCache version 3.1.2c", "... via proxy gateway CERN-HTTPD/3.0", "(via translate.google.com)"): no
    // browser writes the word, in lower case, and a relay that fetches for its cache is a fetcher.
    R"(check\b|\bdownloader|\bsquid\b|(?-i:\bvia\b)|)"
    // A contact written out so that harvesters miss it: "name at gmail dot com".
    R"(\bdot (?:com|net|org|io)\b|)"
    // Feed readers ("QuiteRSS/0.18", "Feedly"), CDN and developer tooling ("qcloudcdn", "wechatdevtools"),
    // builds no browser ships ("Sparkler/0.2.0-SNAPSHOT").
    R"(rss\b|\bfeed|cdn\b|devtools|snapshot|)"
    // Browser automation and page-test harnesses (iMacros marks the browser it drives "iOpus-I-M", AlertSite's
    // DejaClick the one it records and replays monitoring scripts in, "... Firefox/38.0 DejaClick/2.9.6.0").
    R"(webdriver|cypress|slimerjs|nightmare|zombie\.js|htmlunit|\biopus\b|i-?macros|dejaclick|)"
    // Scripting runtimes and HTTP libraries that put themselves after a browser's string (libwww-perl above,
    // not a bare "libwww": Lynx and Mosaic are built on CERN's libwww), or that name their HTTP component
    // ("ActiveXperts.Http").
    R"(\bpython\b|\bjava/\d|\bperl\b|\bruby\b|\bphp\b|\bnode\b|winhttp|\bhttp[ _-]?client|urllib|\.http\b|)"
    // Marks a scanner or a tool leaves in a browser's string: a scan's tag where Safari's version belongs
    // ("Safari/NMAP4H", "Safari/28NULL"), a job's or a template's variable ("__CT_JOB_ID__"), and the made-up brand
    // that only Sec-CH-UA carries ("Not.A/Brand"): a tool assembled the string from client hints.
    R"((?-i:\bSafari/\d*[A-Z]{3,}|__[A-Z][A-Z_]*__)|Not[ .;:_/-]?A[ .;:_/-]?Brand|)"
    // Google's many fetchers and proxies name themselves inside the string ("Google-Adwords-...",
    // "mediapartners-google", "googleweblight", "Google WAP Proxy/1.0" and "Google CHTML Proxy/1.0", its transcoders
    // for handsets, "Google Search Console"); not a handset's "asus_google_cube".
    R"(\bgoogle[-_]|-google\b|googleweblight|\bgoogle \w+ proxy\b|google search|)"
    // Internet Explorer's strings that no Internet Explorer sent, as scripts make them up: a version that never
    // shipped ("MSIE 10.6", "MSIE 7.1"), a Windows without its version or none at all ("MSIE 9.0; Windows NT)",
    // "MSIE 10.0; Win64;"), IE 8 and later without their Trident token when nothing else is said
    // ("(compatible; MSIE 10.0; Windows NT 6.1)"). Trident beside Firefox is in forged().
    R"(MSIE (?:[6-9]|1\d)\.[1-9]|MSIE (?:[7-9]|1\d)\.\d+; (?:Windows NT|Win32|Win64|Windows)[;)]|)"
    R"(^Mozilla/[45]\.0 \(compatible; MSIE (?:8|9|1[01])\.0; Windows[^;)]*\)$|)"
    // Every Internet Explorer on Windows wrote "(compatible; MSIE": "Mozilla/5.0 (MSIE 9.0; Windows NT 6.3; ...;
    // rv:11.0) like Gecko" is a script's blend of two versions, and "(compatible; IE 11.0; Win32; Trident/7.0)" no
    // release's.
    R"(^Mozilla/5\.0 \(MSIE [\d.]+; Windows NT|\(compatible; IE \d|)"
    // Netscape never called itself compatible: it named itself after the comment ("Gecko/20020823 Netscape/7.0") or
    // not at all ("Mozilla/4.76 [en] (Win98; U)"). "(compatible; Netscape 7.0; Windows 98)" is a script's idea of it.
    R"(\(compatible; ?Netscape|)"
    // Internet Explorer named Windows by its version ("Windows NT 5.1", "Windows 98; Win 9x 4.90" for Me, "Windows
    // 3.1"), never "Windows XP", "Windows ME", "Windows 2000" or "Windows 3.11". Opera wrote those when it posed as
    // Internet Explorer, with its own name after the comment; the same string with nothing after it is a script's.
    R"(^Mozilla/4\.0 \(compatible; MSIE [\d.]+[a-z]?; (?:Windows (?:XP|ME|2000|3\.11)\b|Windows 98; Win 9x4)[^)]*\)$|)"
    // Presto's Opera ended with 12.18 ("Opera/9.80 (...) Presto/2.9.181 Version/18.00"), and no browser misspells
    // Microsoft's words ("Mozilla/4.0 (comptible; MSIE 8.0; ...)", "Opera/9.80 (Window NT 6.2; ...)").
    R"(^Opera/9\.80 .*Version/(?:1[3-9]|[2-9]\d)\.|\bcomptible\b|\bwindow nt\b|)"
    // The installed .NET versions an Internet Explorer lists are Microsoft's releases, 1.0, 1.1, 2.0, 3.0, 3.5 and 4.0
    // (".NET CLR 2.0.50727"), and 1.2, as 2.0's first previews were numbered (".NET CLR 1.2.30703", 2003); the builds
    // of 2.0, 3.5 and 4.0 have five digits, betas included (2.0.40607, 3.5.21022, 4.0.20506), and 1.1 shipped as one
    // build, 4322 (1.0 had betas: 1.0.2914, 1.0.3621). A generator that makes the numbers up writes ".NET CLR
    // 3.4.53360", ".NET CLR 2.0.5190", ".NET CLR 1.1.4325" or "SLCC2 2.5.5231" (SLCC names its version in its own
    // name).
    R"(\.NET CLR (?:[05-9]|1\.[3-9]|2\.[1-9]|3\.[1-46-9]|4\.[1-9])|\.NET CLR (?:2\.0|3\.5|4\.0)\.\d{1,4}(?:\D|$)|)"
    R"(\.NET CLR 1\.1\.(?:[0-35-9]\d{3}|4[0-24-9]\d\d|43[013-9]\d|432[013-9]|\d{5}|\d{1,3}(?:\D|$))|)"
    R"(\bSLCC\d \d|)"
    // Every Firefox began with "Mozilla/5.0" and wrote Gecko's token before its own ("rv:26.0) Gecko/20100101
    // Firefox/26.0"): "Mozilla/5.0 (Windows; Windows NT 5.1; en-US) Firefox/3.5.0", Firefox's token right after the
    // comment, and "Firefox/33.0.0 (Windows NT 6.1; WOW64) Gecko/20141011015303" are a script's.
    R"(^Mozilla/5\.0 \([^()]*\) Firefox/[\d.]+$|^Firefox/\d|)"
    // Safari on a Mac always wrote WebKit's "(KHTML, like Gecko)" with its comma, as Chrome did (impossible_chrome):
    // "(Macintosh; Intel Mac OS X 10_8) AppleWebKit/536.25 (KHTML like Gecko) Version/6.0 Safari/536.25" is a script's.
    R"(^Mozilla/5\.0 \(Macintosh;[^)]*\) AppleWebKit/[\d.+]+ \(KHTML like Gecko\) Version/|)"
    // Chrome never ran on Windows NT 4.0, nor Firefox from 3.0 on (both asked for Windows 2000 or XP at least).
    R"(\bWindows NT 4\.0\b.*(?:\bChrome/\d|\bFirefox/(?:[3-9]|[1-9]\d))|)"
    // A generator of Internet Explorer strings that puts two spaces after every ";" ("Windows NT 5.2;  SV1;  .NET CLR
    // 1.1.4322;  .NET CLR 2.0.40607"): Internet Explorer joins its tokens with "; ", and an add-on's token that brings
    // its own space shows once, not three times.
    R"(MSIE [^)]*;  [^;)]*;  [^;)]*;  |)"
    // WebKit's version has no leading zero in a browser's string ("AppleWebKit/600.1.25"); "AppleWebKit/0600.1.25 ...
    // Safari/0600.1.25" is a script's (iTunes's own client writes it so, and is no browser either).
    R"((?:AppleWebKit|Safari)/0\d|)"
    // Mac OS X's versions ended at 10.15, and 10.16 was macOS 11's first name: later systems still write "10_15_7"
    // or "10.15". "Mac OS X 10_90_0" is a generator's.
    R"(Mac OS X 10[._](?:1[7-9]|[2-9]\d|\d{3,})(?:\D|$)|)"
    // A desktop's browser with a Java handset's identity after it ("... Chrome/66.0.3359.117 Safari/537.36
    // Nokia3350/1.0 (05.11)", "... Safari/537.11 Nokia3200/1.0 (5.29) Profile/MIDP-1.0"): two strings glued together.
    // A handset's own browser names the handset's platform in its first comment, or has none.
    R"(^Mozilla/5\.0 \((?:Windows NT|X11|Macintosh)[^)]*\).*(?:\bMIDP-|\bCLDC-|\bNokia\w*/\d)|)"
    // QtWebKit's own string, which an application that embeds it sends until it names itself ("Qt/4.8.2
    // Safari/534.34"): wkhtmltopdf and other page tools on a desktop or a server. Qt browsers add their name
    // ("Qt/4.8.2 Ryouko/1.2.4"), and Symbian's browser says "Mobile Safari".
    R"(^Mozilla/5\.0 \((?:X11|Windows|Macintosh)[^)]*\) AppleWebKit/[\d.]+ \(KHTML, like Gecko\) )"
    R"(Qt/[\d.]+(?: Safari/[\d.]+)?$)";

RE2::Options options(bool case_sensitive = false) {
  RE2::Options o;
  o.set_case_sensitive(case_sensitive);
  o.set_never_capture(true);
  o.set_log_errors(false);
  // The DFA of 1500 alternatives grows with the states that traffic visits; room for all of them
  // keeps matching linear and fast (RE2 falls back to its slower NFA when this runs out).
  o.set_max_mem(64 << 20);
  return o;
}

std::string joined_crawler_list() {
  std::string all;
  for (const char* pattern : crawler_patterns) {
    if (!all.empty()) all += '|';
    all += "(?:";
    all += pattern;
    all += ')';
  }
  return all;
}

// Compiled once, at first use, and shared by every thread: RE2 matching is thread-safe and runs
// in time linear in the User-Agent's length, whatever a hostile client sends. Not PCRE2: its JIT
// still tries the 1500 alternatives one by one at every offset (about 850 us per User-Agent,
// measured), where RE2's DFA reads each byte once (about 1 us); and upstream checks the list
// against RE2's syntax (Go's regexp).
struct Matchers {
  RE2 in_app{in_app_browser, options()};
  RE2 rendering{rendering_engine, options()};
  RE2 shape{browser_shape, options()};
  RE2 mozilla{mozilla_comment, options(true)};
  RE2 platform{platform_comment, options()};
  RE2 device{device_tokens, options()};
  RE2 unknown{unknown_platform, options()};
  RE2 browser_product{browser_product_token, options(true)};
  RE2 contact{contact_pattern, options()};
  RE2 site{site_mark, options()};
  RE2 tv_platform{tv_platform_comment, options()};
  RE2 web_view{kitkat_web_view, options(true)};
  RE2 distribution{distribution_mark, options()};
  RE2 distribution_build{distribution_build_token, options(true)};
  // One pattern, so that RE2 reads the User-Agent once for both.
  RE2 rules{std::string(fetcher_rules) + "|" + injection_probe, options()};
  RE2 model{handset_model, [] { auto o = options(true); o.set_never_capture(false); return o; }()};
  RE2 android{android_model, [] { auto o = options(true); o.set_never_capture(false); return o; }()};
  RE2 kind_names{kind_name_words, options()};
  RE2 trailing{trailing_name, [] { auto o = options(true); o.set_never_capture(false); return o; }()};
  // Case-sensitive as upstream matches it: ignoring case turns "NING/" into "Lightning/" (a Thunderbird
  // add-on) and other words of browsers' User-Agents into crawlers.
  RE2 list{joined_crawler_list(), options(true)};

  Matchers() {
    for (const RE2* re : {&in_app, &rendering, &shape, &mozilla, &platform, &device, &unknown, &browser_product,
                          &contact, &site, &tv_platform, &web_view, &distribution, &distribution_build, &rules,
                          &trailing, &model, &android, &kind_names, &list}) {
      // Only a bad vendored list can fail here; the click filter tests catch it before a release.
      if (!re->ok()) throw std::logic_error("click filter: cannot compile a pattern: " + re->error());
    }
  }
};

const Matchers& matchers() {
  static const Matchers compiled;
  return compiled;
}

// Budget tablets and phones name their screen's size in inches in Android's model: "(Linux; Android 5.0.1; Alba 10\"
// Build/LRX22C)", "Bush 10\" Android Build/...", "(Linux; Android 5.1; Bush Spira D2 5.5\" Smartphone)". One quote
// after a digit, inside the model, is that mark and not a probe's.
bool only_an_inch_mark(std::string_view agent) {
  auto quote = agent.find('"');
  if (quote == 0 || quote == std::string_view::npos || agent.find('"', quote + 1) != std::string_view::npos ||
      !std::isdigit(static_cast<unsigned char>(agent[quote - 1]))) {
    return false;
  }
  auto comment = agent.rfind("(Linux;", quote);
  // The model ends at its build or, written without one, at the comment's end ("Bush Spira B1 10.1\")").
  auto model_end = std::min(agent.find(" Build/", quote), agent.find(')', quote));
  if (comment == std::string_view::npos || model_end == std::string_view::npos ||
      agent.substr(comment, quote - comment).find(')') != std::string_view::npos) {
    return false;
  }
  auto rest_of_model = agent.substr(quote + 1, model_end - quote - 1);
  return std::all_of(rest_of_model.begin(), rest_of_model.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == '-' || c == '_';
  });
}

// What no browser sends, though the string has a browser's tokens: a lower-case "mozilla/" or "windows nt" (a
// tool that lower-cased what it copied) or a mistyped "WIndows", something glued before "Mozilla/" ("Thumbor/6.7,
// Mozilla/5.0 ...", "Anonymous, Mozilla/5.0 ..."), a comment added inside WebKit's "(KHTML, like Gecko; Service)"
// (NetFront's own comment says "like Gecko;" too: "(DTV; ...; like Gecko; TV) NetFront/4.2"), characters that only a
// probe puts there, or an empty "{}" where a tool's template left a value out.
bool forged(std::string_view agent) {
  if (agent.find("mozilla/") != std::string_view::npos || agent.find("(windows nt") != std::string_view::npos ||
      agent.find("WIndows") != std::string_view::npos) {
    return true;
  }
  if (agent.find("KHTML, like Gecko;") != std::string_view::npos) return true;
  // No Internet Explorer or Firefox sent both engines ("Trident/7.0; rv:11.0) like Gecko/20100101 Firefox/22.0").
  // Here rather than in the rules' pattern, where ".*" between the two cost 2 % of the filter's instructions.
  if (agent.find("Trident/") != std::string_view::npos && agent.find("Firefox/") != std::string_view::npos) return true;
  // Quotes and angle brackets: an injection probe ("Safari/537.36'+(select ...", "<script>").
  bool quote = agent.find('"') != std::string_view::npos && !only_an_inch_mark(agent);
  if (quote || agent.find_first_of("<>") != std::string_view::npos || agent.find("'+") != std::string_view::npos) {
    return true;
  }
  if (agent.find("{}") != std::string_view::npos) return true;  // "(compatible; MSIE 6.0; Windows NT 5.1; {})"
  auto mozilla = agent.find("Mozilla/");
  if (mozilla != std::string_view::npos && mozilla > 0) {
    char before = agent[mozilla - 1];
    char glue = mozilla > 1 ? agent[mozilla - 2] : ' ';
    if (before == ',' || before == '|' || (before == ' ' && (glue == ',' || glue == '|'))) return true;
  }
  return false;
}

// A log's time stamp in ISO 8601 inside the string ("... Safari/537.36 Rl0rT5ii...= 2014-01-13T08:14:50.296Z", a tool
// signing the string it sends): no browser writes a date and a time of day. Not a number that could be milliseconds
// since 1970 ("Firefox/77.0 Time/1710630666672", a monitor's): TikTok's web view numbers its builds that way
// ("TTWebView/1261130062414").
bool log_time_stamp(std::string_view agent) {
  auto digits = [&](size_t at, size_t count) {
    return agent.substr(at, count).find_first_not_of("0123456789") == std::string_view::npos;
  };
  for (auto t = agent.find('T', 10); t != std::string_view::npos && t + 6 <= agent.size(); t = agent.find('T', t + 1)) {
    if (digits(t - 10, 4) && agent[t - 6] == '-' && digits(t - 5, 2) && agent[t - 3] == '-' && digits(t - 2, 2) &&
        digits(t + 1, 2) && agent[t + 3] == ':' && digits(t + 4, 2)) {
      return true;
    }
  }
  return false;
}

// A log's fields after the string, as a proxy or a fingerprinting service writes them ("Safari/537.36 bs=95 ts=0
// ja3=67dfa73a... as=22616"): two "key=value" in a row, a short lower-case key, a value without ",;)" (not Facebook
// Lite's "{density=2.625, width=1080, ...}"). Scanned here rather than in the rules' pattern, where it cost 5 % of the
// instructions of the whole filter (callgrind); "=" is rare in a User-Agent.
bool log_fields(std::string_view agent) {
  auto key_before = [&](size_t eq) {  // " key=" ends at eq
    size_t start = eq;
    while (start > 0 && (std::islower(static_cast<unsigned char>(agent[start - 1])) ||
                         std::isdigit(static_cast<unsigned char>(agent[start - 1])))) {
      --start;
    }
    size_t length = eq - start;
    return start > 0 && agent[start - 1] == ' ' && length >= 2 && length <= 8;
  };
  for (size_t eq = agent.find('='); eq != std::string_view::npos; eq = agent.find('=', eq + 1)) {
    if (!key_before(eq)) continue;
    size_t value_end = agent.find_first_of(" ,;)", eq + 1);
    if (value_end == std::string_view::npos || value_end == eq + 1 || agent[value_end] != ' ') continue;
    size_t next = agent.find_first_not_of(' ', value_end);
    if (next == std::string_view::npos) continue;
    size_t next_eq = agent.find_first_of(" =", next);
    if (next_eq != std::string_view::npos && agent[next_eq] == '=' && key_before(next_eq)) return true;
  }
  return false;
}

// A Mac application that embeds WebKit and names itself after the engine, without the product tokens of
// a browser ("... (KHTML, like Gecko) NetNewsWire/3.3.2"): feed readers, bookmark and snapshot tools.
// Safari and every browser built on WebKit add "Safari/", "Version/" or "Chrome/"; iOS in-app browsers
// (people) write "Mobile/" and are not on a Mac.
bool mac_webkit_app(std::string_view agent) {
  auto has = [&](std::string_view token) { return agent.find(token) != std::string_view::npos; };
  auto engine_end = agent.find("like Gecko)");
  if (!has("(Macintosh") || !has("AppleWebKit/") || engine_end == std::string_view::npos) return false;
  if (has("Safari/") || has("Version/") || has("Chrome/") || has("Mobile/")) return false;
  auto slash = agent.find('/', engine_end);
  if (slash == std::string_view::npos) return false;
  // A name ending in "browser" is a browser's ("SunriseBrowser/0.833"), as for the trailing name below.
  std::string name(agent.substr(engine_end, slash - engine_end));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !name.ends_with("browser");
}

// The digits at `at`, moving past them; -1 when there are none. It stops at 100000, which no version number
// reaches, so that a hostile run of digits cannot overflow (what follows is then no dot, and the string no match).
long read_number(std::string_view s, size_t& at) {
  long n = -1;
  while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) && n < 100000) {
    n = (n < 0 ? 0 : n * 10) + (s[at++] - '0');
  }
  return n;
}

bool read_dot(std::string_view s, size_t& at) {
  if (at >= s.size() || s[at] != '.') return false;
  ++at;
  return true;
}

// The major version after `token` ("Chrome/" in "... Chrome/131.0.0.0 ..."), or -1.
long version_after(std::string_view agent, std::string_view token) {
  auto at = agent.find(token);
  if (at == std::string_view::npos) return -1;
  at += token.size();
  return read_number(agent, at);
}

constexpr std::string_view mozilla5 = "Mozilla/5.0 (";

// Where `head` follows the first comment of "Mozilla/5.0 (...)", the offset just past it; npos otherwise.
size_t after_comment(std::string_view agent, std::string_view head) {
  if (!agent.starts_with(mozilla5)) return std::string_view::npos;
  auto at = agent.find(')');
  if (at == std::string_view::npos || agent.substr(at, head.size()) != head) return std::string_view::npos;
  return at + head.size();
}

// The text of that first comment, "Windows NT 10.0; Win64; x64"; only where after_comment found one.
std::string_view first_comment(std::string_view agent) {
  return agent.substr(mozilla5.size(), agent.find(')') - mozilla5.size());
}

// An application that embeds Chrome and names itself inside the comment with its own version ("(Windows; U; Windows NT
// 6.1; en-US; Valve Steam GameOverlay/1911; )", Steam's in-game browser): its own build, whose numbers Chrome's
// releases do not bound. Android's "Build/" names the system's build, not an app.
bool names_an_app(std::string_view comment) {
  for (size_t slash = comment.find('/'); slash != std::string_view::npos; slash = comment.find('/', slash + 1)) {
    if (slash == 0) continue;
    auto name_start = comment.find_last_of(";( ", slash - 1);  // npos + 1 == 0: the comment's first word
    auto name = comment.substr(name_start + 1, slash - name_start - 1);
    bool versioned = slash + 1 < comment.size() && std::isdigit(static_cast<unsigned char>(comment[slash + 1]));
    if (versioned && !name.empty() && name != "Build") return true;
  }
  return false;
}

// Chrome on a desktop numbered every release since 1.0 MAJOR.0.BUILD.PATCH with a build in the hundreds or more
// ("1.0.154.36", "27.0.1453.116"), or zeros after the major (the reduced string): "Chrome/27.1.0.0",
// "Chrome/28.0.4.0" and "Chrome/23.4.1.0" are no release's. The zeros came with the frozen string, behind a flag from
// 2020 (#freeze-user-agent, #reduce-user-agent from Chrome 93) and by default from Chrome 101: a desktop's
// "Chrome/30.0.0.0" is a script's, after Android 4.4's web view. Only on a desktop: Android's web views (that
// "Chrome/30.0.0.0" among them), watches and phone makers' own builds wrote other numbers ("Chrome/19.77.34.5",
// "Chrome/27.0.87.90"); and not the betas of 2008 ("Chrome/0.2.149.27").
bool desktop_chrome_numbering_impossible(std::string_view comment, const long (&version)[4]) {
  constexpr long first_frozen = 80;  // a margin below the flag's first release
  bool desktop = comment.starts_with("Windows NT") || comment.starts_with("Macintosh") || comment.starts_with("X11");
  bool zeros = version[1] == 0 && version[2] == 0 && version[3] == 0;
  return desktop && version[0] >= 1 &&
         (version[1] != 0 || (version[2] >= 1 && version[2] <= 99) || (zeros && version[0] < first_frozen));
}

// A browser's own string is consistent; one a script made up from parts often is not. Chrome's "Safari/" repeats its
// "AppleWebKit/" ("AppleWebKit/537.11 ... Chrome/23.0.1271.64 Safari/537.11"); Blink froze both at 537.36 (Chrome 28
// on); and Chrome's version is MAJOR.0.BUILD.PATCH, PATCH 0 when BUILD is (the reduced User-Agent, Chrome 101 on):
// "AppleWebKit/537.1 ... Chrome/24.0.1290.1 Safari/537.13", "Chrome/31.0.1623.0 Safari/537.58",
// "Chrome/46.10.2490.86" and "Chrome/39.0.0.9626" are no release's; nor is "(KHTML like Gecko)" without its comma,
// which Chrome always wrote (Edge's first strings, Iron and Opera 20 dropped it, and name themselves). Only on a
// string that is nothing but Chrome's, so that a fork that writes its own numbers there and names itself
// ("coc_coc_browser/50.2 Chrome/44.2...", "... Safari/537.36 Edg/131.0") is not judged by them.
bool impossible_chrome(std::string_view agent) {
  auto at = after_comment(agent, ") AppleWebKit/");
  if (at == std::string_view::npos || names_an_app(first_comment(agent))) return false;
  auto engine = agent.substr(at, agent.find(' ', at) - at);
  at += engine.size();
  constexpr std::string_view chrome = " (KHTML, like Gecko) Chrome/", without_comma = " (KHTML like Gecko) Chrome/";
  bool comma = agent.substr(at, chrome.size()) == chrome;
  if (!comma && agent.substr(at, without_comma.size()) != without_comma) return false;
  at += comma ? chrome.size() : without_comma.size();
  long version[4];
  for (int i = 0; i < 4; ++i) {
    if ((i > 0 && !read_dot(agent, at)) || (version[i] = read_number(agent, at)) < 0) return false;
  }
  auto rest = agent.substr(at);
  if (rest.starts_with(" Mobile")) rest.remove_prefix(7);
  if (!rest.starts_with(" Safari/")) return false;
  rest.remove_prefix(8);
  if (rest.find(' ') != std::string_view::npos) return false;  // another product follows
  // Handset makers' own Chromium browsers on Android 4 dropped the comma (Sony's, HTC's, Samsung's, Toshiba's: "(Linux;
  // Android 4.3; D5306 Build/19.0.1.A.0.223) AppleWebKit/537.36 (KHTML like Gecko) Chrome/36.0.1985.135 Mobile
  // Safari/537.36"); Chrome itself never did.
  bool script_dropped_comma = !comma && first_comment(agent).find("Android") == std::string_view::npos;
  if (rest != engine || script_dropped_comma) return true;
  if (desktop_chrome_numbering_impossible(first_comment(agent), version)) return true;
  return version[0] >= 28 && (engine != "537.36" || version[1] != 0 || (version[2] == 0 && version[3] != 0));
}

// Firefox 4 on dropped the "U;" of the comment, and Firefox 5 on says "rv:N.0) Gecko/20100101 Firefox/N.0", the same
// N (rv frozen at 109.0 for Firefox 110 to 119 and ESR 115): "(Windows; U; Windows NT 6.1; rv:11.0)",
// "(Windows NT 5.1) Gecko/20100101 Firefox/7.0.1", "Firefox/25.3" and "rv:23.0) Gecko/20100101 Firefox/29.0" are no
// release's. Only when nothing follows: SeaMonkey and other forks name themselves after Firefox's token, with numbers
// of their own.
bool impossible_firefox(std::string_view agent) {
  constexpr std::string_view head = ") Gecko/20100101 Firefox/";
  auto at = after_comment(agent, head);
  if (at == std::string_view::npos) return false;
  auto comment = agent.substr(0, at - head.size());
  auto version = agent.substr(at);
  if (version.find_first_not_of("0123456789.") != std::string_view::npos) return false;
  long major = read_number(agent, at);
  if (!read_dot(agent, at) || major < 5) return false;
  long minor = read_number(agent, at);
  if (comment.find(" U;") != std::string_view::npos || comment.find("(U;") != std::string_view::npos) return true;
  auto rv = comment.rfind("rv:");
  if (rv == std::string_view::npos) return false;  // impossible_old_firefox's: every Firefox wrote "rv:"
  if (at != agent.size() || minor < 0) return false;  // "Firefox/10.0.2", with "rv:10.0.2", before Firefox 14
  size_t r = rv + 3;
  long rv_major = read_number(comment, r);
  if (!read_dot(comment, r)) return false;
  long rv_minor = read_number(comment, r);
  if (r != comment.size() || rv_major < 0 || rv_minor < 0) return false;
  bool frozen_rv = rv_major == 109 && major >= 109;
  return minor != 0 || rv_minor != 0 || (rv_major != major && !frozen_rv);
}

// Gecko where no Gecko browser puts it. Every one names its platform in a comment before the engine: "Mozilla/5.0
// Gecko/20100115 Firefox/3.6" is one a tool cut down. And Firefox for Android and Firefox OS write their own version
// where Gecko's build date stands ("(Android; Mobile; rv:17.0) Gecko/17.0 Firefox/17.0"); Firefox on Windows, a Mac
// or X11 never did ("Gecko/20100101" since Firefox 4): "(Windows NT 5.2; rv:17.0) Gecko/17.0 Firefox/17.0" is a
// desktop's comment glued to a phone's tokens. Only a release's version after Firefox ("17.0", not a pre-release's
// "17.0a1"), and only when nothing follows, as above.
bool misplaced_gecko(std::string_view agent) {
  constexpr std::string_view gecko = ") Gecko/", firefox = " Firefox/";
  if (agent.starts_with("Mozilla/5.0 Gecko/")) return true;
  auto at = after_comment(agent, gecko);
  if (at == std::string_view::npos) return false;
  auto comment = first_comment(agent);
  if (!comment.starts_with("Windows") && !comment.starts_with("Macintosh") && !comment.starts_with("X11")) return false;
  if (read_number(agent, at) < 0 || !read_dot(agent, at) || read_number(agent, at) < 0) return false;
  if (agent.substr(at, firefox.size()) != firefox) return false;
  auto version = agent.substr(at + firefox.size());
  return !version.empty() && version.find_first_not_of("0123456789.") == std::string_view::npos;
}

// Gecko's token names the day the engine was built ("Gecko/20071127"; Firefox 4 on froze it at "20100101"): a date no
// calendar has ("Gecko/39237369 Firefox/27.0", "Gecko/20160044 Firefox/52.59.12", "Gecko/25250101") is a generator's.
// Only where Firefox's token follows or nothing does: products that borrow the token may write their own numbers.
bool impossible_gecko_date(std::string_view agent) {
  constexpr std::string_view gecko = ") Gecko/", firefox = " Firefox/";
  auto at = agent.find(gecko);
  if (at == std::string_view::npos) return false;
  auto date = agent.substr(at + gecko.size(), 8);
  auto rest = agent.substr(at + gecko.size() + date.size());
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (!rest.empty() && !rest.starts_with(firefox)) return false;
  auto number = [&](size_t from, size_t length) {
    int n = 0;
    for (char c : date.substr(from, length)) n = n * 10 + (c - '0');
    return n;
  };
  int year = number(0, 4), month = number(4, 2), day = number(6, 2);
  return year < 1998 || year > 2039 || month < 1 || month > 12 || day < 1 || day > 31;
}

// Firefox 1 to 3.6 named in "rv:" the Gecko it was built on: 1.0 on 1.7, 1.5 on 1.8 (1.8.0.x), 2.0 on 1.8.1, 3.0 on
// 1.9 (1.9.0.x), 3.5 on 1.9.1, 3.6 on 1.9.2, each with its updates ("rv:1.9.2.13) Gecko/20101203 Firefox/3.6.13") or
// a pre-release's letters ("rv:1.9b5"): "rv:1.9.0.8) ... Firefox/3.6.3" and "rv:1.6) ... Firefox/3.0.3" are no
// release's, and neither is a Firefox without "rv:" ("(Windows; U; Windows NT 5.1) Gecko/20070803 Firefox/1.5.0.12"):
// every one wrote it. Not a pre-release of Firefox itself ("rv:1.8) Gecko/20060319 Firefox/2.0a1": Bon Echo's alpha
// still went on 1.8), and only when nothing follows Firefox's token, as above. Firefox 4 went on Gecko 2.0, and every
// later one names its own version there ("rv:21.0"): "rv:1.9.0.1) Gecko/2008070208 Firefox/21.0" and
// "rv:1.9.2.8) Gecko/20100722 Firefox/4.0.1" are two releases' tokens glued together (Firefox 4's betas, "4.0b6pre",
// are pre-releases and not judged).
bool impossible_old_firefox(std::string_view agent) {
  constexpr std::string_view gecko = ") Gecko/", firefox = " Firefox/";
  auto at = after_comment(agent, gecko);
  if (at == std::string_view::npos) return false;
  auto comment = agent.substr(0, at - gecko.size());
  size_t date = at;  // the build's date, "20101203" or "2009021910"
  while (at < agent.size() && std::isdigit(static_cast<unsigned char>(agent[at]))) ++at;
  if (at - date < 8 || agent.substr(at, firefox.size()) != firefox) return false;
  at += firefox.size();
  long major = read_number(agent, at);
  if (!read_dot(agent, at)) return false;
  long minor = read_number(agent, at);
  while (at < agent.size() && (agent[at] == '.' || std::isdigit(static_cast<unsigned char>(agent[at])))) ++at;
  auto rv = comment.rfind("rv:");
  if (at != agent.size()) return false;
  if (rv == std::string_view::npos) return true;  // every Firefox named its Gecko
  auto engine = comment.substr(rv + 3);
  engine.remove_prefix(std::min(engine.find_first_not_of(' '), engine.size()));
  if (major >= 4) return engine.starts_with("1.");  // Firefox 4 went on Gecko 2.0, later ones on their own number
  std::string_view built_on;
  bool two_part = false;  // 1.5 and 3.0 went on "1.8" and "1.9", then "1.8.0.x" and "1.9.0.x"
  switch (major * 100 + minor) {
    case 100: built_on = "1.7"; break;
    case 105: built_on = "1.8", two_part = true; break;
    case 200: built_on = "1.8.1"; break;
    case 300: built_on = "1.9", two_part = true; break;
    case 305: built_on = "1.9.1"; break;
    case 306: built_on = "1.9.2"; break;
    default: return false;
  }
  if (!engine.starts_with(built_on)) return true;
  auto after = engine.substr(built_on.size());
  if (after.empty() || std::isalpha(static_cast<unsigned char>(after[0]))) return false;
  return after[0] != '.' || (two_part && !after.starts_with(".0"));
}

// A token Windows or Internet Explorer itself puts in the comment: the security level, the .NET and Media Center
// versions installed, InfoPath, the 64-bit marks, the engine.
bool microsoft_token(std::string_view token) {
  for (std::string_view exact : {"SV1", "SLCC1", "SLCC2", ".NET4.0C", ".NET4.0E", "WOW64", "Win64", "x64"}) {
    if (token == exact) return true;
  }
  for (std::string_view prefix : {".NET CLR ", "Media Center PC ", "InfoPath.", "Tablet PC ", "Trident/"}) {
    if (token.starts_with(prefix)) return true;
  }
  return false;
}

// Microsoft's engines ran on Windows alone: Trident (Internet Explorer, on any Windows, its phones and the Xbox) and
// EdgeHTML (the first Edge, "Edge/12.10240" to "Edge/44.19041", on Windows 10 in all its forms; Windows 10's
// previews said "Windows NT 6.4"). "Trident/7.0" beside "X11; Ubuntu" or "Mac OS X", and "Edge/15.15063" on
// "Windows NT 6.1", are a generator's. The Chromium Edge writes "Edg/" and runs everywhere.
bool windows_engine_elsewhere(std::string_view agent) {
  auto has = [&](std::string_view token) { return agent.find(token) != std::string_view::npos; };
  if (version_after(agent, "Trident/") >= 0 && !has("Win") && !has("Xbox")) return true;
  if (version_after(agent, " Edge/") < 0) return false;  // not "Edg/", nor a "SmartEdge/"
  for (std::string_view windows_10 : {"Windows NT 10.0", "Windows Phone 10.0", "Windows IoT 10.0", "Windows Mobile 10",
                                      "Windows NT 6.4", "Xbox"}) {
    if (has(windows_10)) return false;
  }
  return true;
}

// Windows NT's versions are a closed list: 3.1, 3.5, 3.51, 4.0, 5.0 (5.01 for Windows 2000's first update), 5.1, 5.2,
// 6.0 to 6.3, 6.4 (Windows 10's previews) and 10.0, which Windows 11 still writes. A generator that makes the number up
// writes "Windows NT 7.1", "Windows NT 9.0" or "Windows NT 15.0". Only a "major.minor" is judged ("Windows NT
// 6.1.7601", a build, is not).
bool unreleased_windows_nt(std::string_view agent) {
  constexpr std::string_view nt = "Windows NT ";
  constexpr std::string_view released[] = {"3.1", "3.5", "3.51", "4.0", "5.0", "5.01", "5.1", "5.2", "6.0", "6.1",
                                           "6.2", "6.3", "6.4", "10.0"};
  for (auto at = agent.find(nt); at != std::string_view::npos; at = agent.find(nt, at + 1)) {
    auto start = at + nt.size();
    auto version = agent.substr(start, agent.find_first_of(";) ", start) - start);
    auto dot = version.find('.');
    bool major_minor = dot != std::string_view::npos && dot > 0 && dot + 1 < version.size() &&
                       version.find_first_not_of("0123456789.") == std::string_view::npos &&
                       version.find('.', dot + 1) == std::string_view::npos;
    if (major_minor && std::find(std::begin(released), std::end(released), version) == std::end(released)) return true;
  }
  return false;
}

// Internet Explorer before 9 wrote "Mozilla/4.0 (compatible; MSIE 8.0; ...)", "compatible" first in its comment.
// "Mozilla/4.0 (Windows; MSIE 6.0; ...)", "Mozilla/4.0 (MSIE 6.0; ...)" and "Mozilla/5.0 (compatible; MSIE 6.0;
// ...)" are a script's. Internet Explorer 9 and later, in an older page's document mode, say "MSIE 8.0" after
// "Mozilla/5.0", but they keep their own Trident ("Trident/5.0" and later).
bool impossible_old_internet_explorer(std::string_view agent) {
  constexpr std::string_view mozilla4 = "Mozilla/4.0 (", mozilla5_compatible = "Mozilla/5.0 (compatible;";
  if (agent.starts_with(mozilla4)) {
    auto comment = agent.substr(mozilla4.size(), agent.find(')') - mozilla4.size());
    auto msie = comment.find("MSIE ");
    return msie != std::string_view::npos && msie + 5 < comment.size() &&
           std::isdigit(static_cast<unsigned char>(comment[msie + 5])) &&
           comment.find("ompatible") == std::string_view::npos;  // "compatible", "Compatible"
  }
  if (!agent.starts_with(mozilla5_compatible)) return false;
  size_t at = mozilla5_compatible.size() + (agent.substr(mozilla5_compatible.size(), 1) == " ");
  if (agent.substr(at, 5) != "MSIE ") return false;
  at += 5;
  long version = read_number(agent, at);
  return version >= 1 && version <= 8 && read_dot(agent, at) && version_after(agent, "Trident/") < 5;
}

// Internet Explorer wrote its head byte for byte, "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1" (from 9 on
// "Mozilla/5.0 (compatible; MSIE 9.0; Windows ..."; some company builds wrote "Compatible"). A string that is nothing
// but that comment, the head typed again by hand ("Mozilla/4.0(compatible; ...", "compatible;MSIE 6.0", "MSIE
// 6.0;Windows NT 5.1"), is a script's. Only on a desktop's Windows and when nothing follows the comment: phone makers
// wrote Internet Explorer's head loosely ("Mozilla/4.0 (Compatible; MSIE 6.0; Windows CE; IEMobile 6.12)ASUS-P526/1.0
// ...", "Mozilla/4.0 (compatible;MSIE 6.0;Windows95;PalmSource) Netfront/3.0").
bool hand_typed_internet_explorer(std::string_view agent) {
  if (!(agent.starts_with("Mozilla/4.0") || agent.starts_with("Mozilla/5.0")) || agent.back() != ')') return false;
  constexpr std::string_view head = " (compatible; MSIE ", capitalised = " (Compatible; MSIE ";
  auto written = agent.substr(11, head.size());
  if (written == head || written == capitalised) {  // as written, unless the separator after the version was retyped
    auto separator = agent.find(';', 11 + head.size());
    if (separator == std::string_view::npos || (agent.substr(separator, 5) == "; Win" && agent[separator - 1] != ' ')) {
      return false;
    }
  }
  auto open = agent.find_first_not_of(' ', 11);  // the comment, after nothing but spaces ("Mozilla/4.0  (")
  if (agent[open] != '(' || agent.find_first_of("()", open + 1) != agent.size() - 1) return false;
  auto comment = agent.substr(open + 1, agent.size() - open - 2);
  auto trimmed = [](std::string_view s) {
    s.remove_prefix(std::min(s.find_first_not_of(' '), s.size()));
    return s.substr(0, s.find_last_not_of(' ') + 1);
  };
  auto first = comment.find(';'), second = comment.find(';', first + 1);
  if (second == std::string_view::npos) return false;
  auto compatible = trimmed(comment.substr(0, first)), msie = trimmed(comment.substr(first + 1, second - first - 1));
  auto windows = trimmed(comment.substr(second + 1));
  auto version = msie.find_first_not_of(' ', 4);  // "MSIE 6.0", "MSIE6.0"
  // Internet Explorer on a desktop: phone makers wrote their own heads.
  return (compatible == "compatible" || compatible == "Compatible") && msie.starts_with("MSIE") &&
         version < msie.size() && std::isdigit(static_cast<unsigned char>(msie[version])) &&
         windows.starts_with("Win") && !windows.starts_with("Windows CE") && !windows.starts_with("Windows Phone");
}

// Internet Explorer 9 and 10 wrote "Mozilla/5.0" and their Trident token, and Internet Explorer 11 wrote no "MSIE"
// at all. The Chinese shells built on it write such strings, with their own name last ("Mozilla/4.0 (compatible; MSIE
// 9.0; Windows NT 6.1; SV1; 360SE)", "MSIE 11.0; ...; 360SE"); the same string with nothing but Microsoft's own
// tokens ("Mozilla/4.0 (compatible; MSIE 9.0; Windows NT 6.0; SV1)") is no browser's.
bool impossible_internet_explorer(std::string_view agent) {
  constexpr std::string_view head = " (compatible; MSIE ", windows = ".0; Windows NT ";
  bool mozilla4 = agent.starts_with("Mozilla/4.0");
  if (!(mozilla4 || agent.starts_with("Mozilla/5.0")) || agent.substr(11, head.size()) != head ||
      agent.back() != ')') {
    return false;
  }
  size_t at = 11 + head.size();
  long version = read_number(agent, at);
  if (agent.substr(at, windows.size()) != windows) return false;
  at += windows.size();
  auto tokens = agent.substr(at, agent.size() - at - 1);  // "6.1; SV1; .NET CLR 2.0.50727", less the ")"
  bool trident = false;
  for (size_t start = tokens.find("; "); start != std::string_view::npos;) {
    start += 2;
    size_t end = tokens.find("; ", start);
    auto token = tokens.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!microsoft_token(token)) return false;  // a shell's name, a toolbar's, a maker's
    trident = trident || token.starts_with("Trident/");
    start = end;
  }
  return version == 11 || ((version == 9 || version == 10) && mozilla4 && !trident);
}

// The iOS release an iPhone's or iPad's build ("Mobile/9B206") belongs to, by the build's leading number: 1 to 4 were
// iPhone OS 1, 5 was 2, 7 was 3, 8 was 4, and from 9 (iOS 5) on the number is the release's plus 4 ("16A366" is iOS
// 12.0). -1 when the build does not start with a number.
long ios_release_of_build(std::string_view build) {
  size_t at = 0;
  long number = read_number(build, at);
  if (number < 1) return -1;
  if (number >= 9) return number - 4;
  return number == 8 ? 4 : number == 7 ? 3 : number >= 5 ? 2 : 1;
}

// Safari on an iPhone or an iPad is the system's, and its string is one release's:
// - from iOS 5 on its "Version/" is at least the system's major version (iOS 26 says "Version/26.0" on a system
//   frozen at "18_6": newer, never older). Not a beta, whose build ends in a lower-case letter ("Mobile/13A4280e")
//   and which still names the previous Safari;
// - its build is the system's release's ("CPU OS 8_3 ... Mobile/12F69"), except "Mobile/15E148", iOS 11.3's, which
//   Safari has written on every system since iOS 12.2.
// A Safari older than its system ("CPU OS 8_3 ... Version/5.1 Mobile/9B206"), or a build of another release ("CPU
// iPhone OS 3_0 ... Mobile/8B112"), is a string put together from two devices. Only a string that is nothing but
// Safari's is judged: other iOS browsers write their own version there.
bool impossible_ios_safari(std::string_view agent) {
  if (!agent.starts_with("Mozilla/5.0 (iP")) return false;
  auto comment_end = agent.find(')');
  auto os = agent.substr(0, comment_end).find(" OS ");
  if (comment_end == std::string_view::npos || os == std::string_view::npos ||
      !agent.substr(comment_end).starts_with(") AppleWebKit/")) {
    return false;
  }
  size_t at = os + 4;
  long system = read_number(agent, at);
  constexpr std::string_view safari = " (KHTML, like Gecko) Version/";
  auto version = agent.find(safari, comment_end);
  if (system < 1 || version == std::string_view::npos) return false;
  at = version + safari.size();
  long major = read_number(agent, at);
  while (at < agent.size() && (agent[at] == '.' || std::isdigit(static_cast<unsigned char>(agent[at])))) ++at;
  auto rest = agent.substr(at);
  if (major < 0 || !rest.starts_with(" Mobile/")) return false;
  auto build_end = rest.find(' ', 8);
  if (build_end == std::string_view::npos || !rest.substr(build_end).starts_with(" Safari/") ||
      rest.find(' ', build_end + 1) != std::string_view::npos) {
    return false;
  }
  auto build = rest.substr(8, build_end - 8);
  bool beta = !build.empty() && std::islower(static_cast<unsigned char>(build.back()));
  long release = ios_release_of_build(build);
  bool other_release = build != "15E148" && release > 0 && release != system;
  return (system >= 5 && major < system && !beta) || other_release;
}

bool trailing_tool_name(const Matchers& m, re2::StringPiece agent) {
  std::string name;
  if (!RE2::PartialMatch(agent, m.trailing, &name)) return false;
  bool lower = name.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
  std::string folded = name;
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool digits = name.find_first_of("0123456789") != std::string::npos;
  // The browser marking itself once more ("... Silk/2.4 Safari/535.19 Silk-Acceleratedtrue"): a tool appending its
  // name has not named itself before.
  auto product = name.substr(0, name.find_first_of("-_."));
  bool own_mark = product.size() >= 3 && agent.find(product + "/") != re2::StringPiece::npos;
  if (own_mark || RE2::PartialMatch(name, m.distribution) || RE2::PartialMatch(agent, m.distribution_build) ||
      RE2::PartialMatch(agent, m.tv_platform) || RE2::PartialMatch(agent, m.web_view)) {
    return false;
  }
  // A toolbar is a person's install ("... Firefox/3.6.12 SearchToolbar"), as a name holding "browser" is a browser's.
  return lower && !digits && folded.find("browser") == std::string::npos &&
         folded.find("toolbar") == std::string::npos && name != "compatible";
}

// A handset's model may hold a word that names what a thing is, as makers call their phones "Cubot X9", "M bot 51",
// "Spider 8" or "RUBY": such a word of the fetcher rules does not count there. A word that names a task still does
// ("Seznam screenshot-generator", "GCE x86 phone": fetchers that write their name in the model's place).
bool names_a_fetcher(const Matchers& m, re2::StringPiece agent) {
  if (!RE2::PartialMatch(agent, m.rules)) return false;
  re2::StringPiece model;
  if (!RE2::PartialMatch(agent, m.android, &model)) return true;
  std::string model_without_kinds(model.data(), model.size());
  if (RE2::GlobalReplace(&model_without_kinds, m.kind_names, " ") == 0) return true;
  auto before = static_cast<size_t>(model.data() - agent.data());
  std::string rewritten(agent.data(), before);
  rewritten += model_without_kinds;
  rewritten.append(model.data() + model.size(), agent.size() - before - model.size());
  return RE2::PartialMatch(rewritten, m.rules);
}

// A contact anywhere but in the site marks (above) of Internet Explorer's comment. A bare site with more of the
// comment's items after it is a mark too: IE lists the tokens that add-ons and providers register, then .NET's
// ("...; TheFreeDictionary.com; SV1; .NET CLR 1.1.4322)"), where a tool that signs a browser's string puts its
// contact last ("...; Windows NT 5.0; internetsupervision.com)"). A URL, a path or an address is a contact wherever it
// stands.
bool names_a_contact(const Matchers& m, std::string_view agent) {
  auto piece = [](std::string_view text) { return re2::StringPiece(text.data(), text.size()); };
  auto contact_in = [&](std::string_view text) { return RE2::PartialMatch(piece(text), m.contact); };
  if (!contact_in(agent)) return false;
  // Asked first, so that a bot's URL costs no second look.
  if (!agent.starts_with("Mozilla/") || agent.find("; MSIE ") == std::string_view::npos) return true;
  auto open = agent.find('(');
  auto close = agent.find(')', open);
  if (close == std::string_view::npos || contact_in(agent.substr(0, open)) || contact_in(agent.substr(close))) {
    return true;
  }
  auto comment = agent.substr(open + 1, close - open - 1);
  for (size_t start = 0; start <= comment.size();) {
    auto end = std::min(comment.find(';', start), comment.size());
    auto item = comment.substr(start, end - start);
    bool address = item.find_first_of("/@") != std::string_view::npos;  // a URL, a path, an e-mail address
    bool bare_site_before_more = !address && end < comment.size();
    if (contact_in(item) && !bare_site_before_more && !RE2::FullMatch(piece(item), m.site)) return true;
    start = end + 1;
  }
  return false;
}

// The vendored list names the string, outside a handset's model and build.
bool crawler_listed(const Matchers& m, re2::StringPiece agent) {
  if (!RE2::PartialMatch(agent, m.list)) return false;
  re2::StringPiece model, build, java_phone;
  if (!RE2::PartialMatch(agent, m.model, &model, &build, &java_phone)) return true;
  std::string without_handset(agent.data(), agent.size());
  bool blanked = false;
  for (auto part : {model, build, java_phone}) {
    if (part.empty()) continue;
    without_handset.replace(static_cast<size_t>(part.data() - agent.data()), part.size(), part.size(), ' ');
    blanked = true;
  }
  return !blanked || RE2::PartialMatch(without_handset, m.list);
}

// Chrome's and Firefox's prefetches ("Sec-Purpose: prefetch", the older "Purpose: prefetch", "X-Moz: prefetch") and
// Safari's Top Sites thumbnails ("X-Purpose: preview") fetch a page nobody has opened yet.
bool announces_prefetch(std::string_view purpose) {
  auto folded = ascii_lower(purpose);
  return folded.find("prefetch") != std::string::npos || folded.find("prerender") != std::string::npos ||
         folded.find("preview") != std::string::npos;
}

// The browsers that send Sec-Fetch-Mode and Sec-Fetch-Dest with every request to a secure origin, by their own
// string (MDN's compatibility data): Chromium 80 on (Chrome, Edge, desktop Opera, Samsung Internet, Android's web
// view: all say "Chrome/N"; not Opera for Android), Firefox 90 on, Safari 16.4 on (the version Safari names; every
// iOS browser is Safari's engine, but only those that say "Version/" tell which). Others, older ones and the in-app
// web views of iOS that name no version, are not judged by these headers.
bool sends_fetch_metadata(std::string_view agent) {
  auto has = [&](std::string_view token) { return agent.find(token) != std::string_view::npos; };
  if (has("OPR/") && has("Android")) return false;
  if (version_after(agent, "Chrome/") >= 80) return true;
  if (version_after(agent, "Firefox/") >= 90) return true;
  auto version = agent.find("Version/");
  if (version == std::string_view::npos || agent.find("Safari/") == std::string_view::npos) return false;
  size_t at = version + 8;
  long major = read_number(agent, at);
  long minor = read_dot(agent, at) ? read_number(agent, at) : 0;
  return major > 16 || (major == 16 && minor >= 4);
}

// A browser opening the link as a page of its own: not a page embedding it in an image, a script or a frame.
bool opens_a_page(const RequestSignals& signals) {
  auto dest = ascii_lower(signals.fetch_dest);
  return ascii_lower(signals.fetch_mode) == "navigate" && (dest.empty() || dest == "document");
}

}  // namespace

const char* to_string(ClickKind kind) { return kind == ClickKind::real ? "real" : "preview"; }

const char* to_string(AgentReason reason) {
  switch (reason) {
    case AgentReason::empty: return "empty";
    case AgentReason::in_app_browser: return "in_app_browser";
    case AgentReason::no_browser_engine: return "no_browser_engine";
    case AgentReason::fetcher_rule: return "fetcher_rule";
    case AgentReason::crawler_list: return "crawler_list";
    case AgentReason::browser: return "browser";
  }
  return "unknown";
}

AgentReason classify_user_agent(std::string_view user_agent) {
  if (user_agent.empty()) return AgentReason::empty;
  const auto& m = matchers();
  re2::StringPiece agent(user_agent.data(), user_agent.size());
  // In-app browsers put the app's mark after the browser's string ("... Mobile Safari/537.36 [FBAN/...]"); an app
  // named before "Mozilla/" ("WhatsApp/2.17.38 Mozilla/5.0 (Linux; ...) ...") is the app's own client fetching.
  auto in_app = [&] {
    auto mozilla = user_agent.find("Mozilla/");
    return RE2::PartialMatch(mozilla == std::string_view::npos ? agent : agent.substr(mozilla), m.in_app);
  };
  bool fetcher = names_a_contact(m, user_agent) || forged(user_agent) || log_fields(user_agent) ||
                 log_time_stamp(user_agent) ||
                 names_a_fetcher(m, agent) ||
                 (trailing_tool_name(m, agent) && !in_app()) || mac_webkit_app(user_agent) ||
                 impossible_chrome(user_agent) || impossible_firefox(user_agent) ||
                 impossible_old_firefox(user_agent) || misplaced_gecko(user_agent) ||
                 impossible_gecko_date(user_agent) ||
                 impossible_ios_safari(user_agent) ||
                 impossible_internet_explorer(user_agent) || impossible_old_internet_explorer(user_agent) ||
                 hand_typed_internet_explorer(user_agent) ||
                 windows_engine_elsewhere(user_agent) || unreleased_windows_nt(user_agent) ||
                 (RE2::PartialMatch(agent, m.unknown) && !RE2::PartialMatch(agent, m.device));
  if (!fetcher && in_app() && RE2::PartialMatch(agent, m.rendering)) {
    return AgentReason::in_app_browser;
  }
  if (!RE2::PartialMatch(agent, m.shape)) return AgentReason::no_browser_engine;
  if (RE2::PartialMatch(agent, m.mozilla) && !RE2::PartialMatch(agent, m.platform) &&
      !RE2::PartialMatch(agent, m.device)) {
    return AgentReason::no_browser_engine;
  }
  if (fetcher) return AgentReason::fetcher_rule;
  if (crawler_listed(m, agent) && !RE2::PartialMatch(agent, m.browser_product)) {
    return AgentReason::crawler_list;
  }
  return AgentReason::browser;
}

ClickKind classify_click(bool is_head, std::string_view user_agent, bool explicit_open,
                         const RequestSignals& signals) {
  if (is_head) return ClickKind::preview;
  if (explicit_open) return ClickKind::real;
  if (announces_prefetch(signals.purpose)) return ClickKind::preview;
  switch (classify_user_agent(user_agent)) {
    case AgentReason::in_app_browser:
    case AgentReason::browser:
      break;
    default:
      return ClickKind::preview;
  }
  if (signals.secure_origin && sends_fetch_metadata(user_agent) && !opens_a_page(signals)) return ClickKind::preview;
  return ClickKind::real;
}

std::span<const char* const> crawler_list_patterns() { return crawler_patterns; }

}  // namespace zt
