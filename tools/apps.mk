# tools/apps.mk: epserver and epwget.  The application code (tools/*_app.c,
# tools/http.c) is shared with utcp-sim's http scenario; tools/apprun.c runs
# it on real backends, one thread per core.
APPS_CORE = tools/apps.h tools/http.c tools/epserver_app.c tools/epwget_app.c
APPS_RUN = tools/apprun.h tools/apprun.c

bin_PROGRAMS += tools/epserver tools/epwget
tools_epserver_SOURCES = tools/epserver.c $(APPS_CORE) $(APPS_RUN)
tools_epserver_LDADD = libutcp.la
tools_epwget_SOURCES = tools/epwget.c $(APPS_CORE) $(APPS_RUN)
tools_epwget_LDADD = libutcp.la
